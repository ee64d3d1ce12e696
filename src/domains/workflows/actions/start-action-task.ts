import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { fire } from '../../../core/state-machine.js';
import { newToken, tokenHash } from '../../accounts/passwords.js';
import { callOut, hostAllowed } from '../callouts.js';
import { loadTaskDef } from '../definitions.js';
import { failTask, lockTask } from '../engine.js';
import { taskInstanceMachine } from '../machines.js';
import { Id } from '../schemas.js';

/** How long an ASYNC_ACTION's first call may take (the callback then has the rest of `timeout_seconds`). */
const ASYNC_CALL_MS = 30_000;
/** A SYNC_ACTION's timer fires this long after the call's own timeout, in case its outcome was lost (a crash after COMMIT). */
const SYNC_GRACE_MS = 5_000;

export const startActionTask = defineAction({
  name: 'start_action_task',
  summary:
    'Internal: starts a SYNC_ACTION / ASYNC_ACTION task (PENDING -> IN_PROGRESS), arms its timeout timer, and once this task has committed POSTs the task input to the action URL, outside any transaction; the outcome is recorded by `record_action_outcome`. A host outside WORKFLOW_CALLOUT_HOSTS is never called: the task goes to ERROR HOST_NOT_ALLOWED.',
  roles: [],
  worker: 'callouts',
  internal: true,
  access: { ids: {}, owner: 'tenant' },
  input: z.strictObject({ task_instance_id: Id, attempt: z.number().int().min(1) }),
  example: { task_instance_id: 1, attempt: 1 },
  async handler(input, ctx) {
    const { ti, wi } = await lockTask(ctx, input.task_instance_id);
    if (ti.attempt !== input.attempt || ti.status !== taskInstanceMachine.events.create.to) return { started: false, reason: `the task is ${ti.status}, attempt ${ti.attempt}` };
    const def = await loadTaskDef(ctx, ctx.tenantId, ti.taskDefinitionId);
    const url = def.action_url ?? '';
    if (!hostAllowed(url, ctx.config.workflowCalloutHosts)) {
      await failTask(ctx, wi, ti, 'HOST_NOT_ALLOWED', `The host of ${url} is not in WORKFLOW_CALLOUT_HOSTS; bureau did not call it.`);
      return { started: false, status: ti.status, error: ti.error ?? null };
    }
    const timeoutMs = (def.timeout_seconds ?? 30) * 1000;
    const now = ctx.now();
    fire(ctx, taskInstanceMachine, ti, 'start', { data: { attempt: ti.attempt, url } });
    ti.startedAt = now;
    ti.deadlineAt = new Date(now.getTime() + timeoutMs);
    const async = def.task_type === 'ASYNC_ACTION';
    const headers: Record<string, string> = { 'x-bureau-task': String(ti.id) };
    if (async) {
      // The token reaches only the action's server (a header of the call below); bureau keeps its hash.
      const token = newToken();
      await ctx.sql('insert into workflow_callback (tenant_id, task_instance_id, attempt, token_hash, expires_at) values (?, ?, ?, ?, ?)', [ctx.tenantId, ti.id, ti.attempt, tokenHash(token), ti.deadlineAt]);
      headers['x-bureau-callback-url'] = `${ctx.config.publicUrl}/api/v1/callbacks/${token}`;
    }
    ctx.enqueue('action_timeout', { task_instance_id: ti.id, attempt: ti.attempt }, { delayMs: async ? timeoutMs : timeoutMs + SYNC_GRACE_MS, key: `wf-timeout:${ti.id}:${ti.attempt}` });
    const body = ti.inputData;
    const ref = { task_instance_id: ti.id, attempt: ti.attempt };
    ctx.afterCommit(async (later) => {
      const outcome = await callOut(url, body, async ? Math.min(ASYNC_CALL_MS, timeoutMs) : timeoutMs, headers);
      await later.enqueue('record_action_outcome', { ...ref, source: 'response', outcome }, { key: `wf-outcome:${ti.id}:${ti.attempt}` });
    });
    return { started: true, ...ref, deadlineAt: ti.deadlineAt };
  },
});
