import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { loadTaskDef } from '../definitions.js';
import { completeTask, expireCallbacks, failTask, lockTask } from '../engine.js';
import { dataIssues, transform } from '../logic.js';
import { taskInstanceMachine } from '../machines.js';
import { Id } from '../schemas.js';

const Outcome = z.union([
  z.strictObject({ ok: z.literal(true), status: z.number().int(), body: z.unknown() }),
  z.strictObject({ ok: z.literal(false), code: z.enum(['CALLOUT_FAILED', 'CALLOUT_TIMEOUT']), message: z.string(), status: z.number().int().optional() }),
]);

export const recordActionOutcome = defineAction({
  name: 'record_action_outcome',
  summary:
    "Internal: records what an action task's call (`source: response`) or an ASYNC_ACTION's callback (`source: callback`) brought: the output transform's result, checked against the output schema, completes the task and routes the workflow; a failure puts it in ERROR. Applies once per attempt; a late outcome (after a timeout, a cancel or a retry) changes nothing.",
  roles: [],
  worker: 'workflows',
  internal: true,
  access: { ids: {}, owner: 'tenant' },
  input: z.strictObject({ task_instance_id: Id, attempt: z.number().int().min(1), source: z.enum(['response', 'callback']), outcome: Outcome }),
  example: { task_instance_id: 1, attempt: 1, source: 'response', outcome: { ok: true, status: 200, body: { id: 'PO-1' } } },
  async handler(input, ctx) {
    const { ti, wi } = await lockTask(ctx, input.task_instance_id);
    if (ti.attempt !== input.attempt || ti.status !== taskInstanceMachine.events.start.to) return { applied: false, reason: `the task is ${ti.status}, attempt ${ti.attempt}` };
    const def = await loadTaskDef(ctx, ctx.tenantId, ti.taskDefinitionId);
    const o = input.outcome;
    if (!o.ok) {
      await failTask(ctx, wi, ti, o.code, o.message, o.status !== undefined ? { status: o.status } : undefined);
      return { applied: true, status: ti.status, error: ti.error ?? null };
    }
    // An ASYNC_ACTION's call only says the work was accepted: the callback brings the result.
    if (def.task_type === 'ASYNC_ACTION' && input.source === 'response') return { applied: true, waiting: 'callback' };
    let output: unknown;
    try {
      output = await transform(def.output_transform, o.body);
    } catch (err) {
      await failTask(ctx, wi, ti, 'CALLOUT_FAILED', `The output transform failed: ${(err as Error).message}`);
      return { applied: true, status: ti.status, error: ti.error ?? null };
    }
    const issues = dataIssues(def.output_schema, output, 'output');
    if (issues.length) {
      await failTask(ctx, wi, ti, 'CALLOUT_FAILED', 'The transformed reply does not match the output schema.', { issues });
      return { applied: true, status: ti.status, error: ti.error ?? null };
    }
    await expireCallbacks(ctx, ti.id);
    await completeTask(ctx, wi, ti, output);
    return { applied: true, status: ti.status, error: ti.error ?? null };
  },
});
