import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { failTask, lockTask } from '../engine.js';
import { taskInstanceMachine } from '../machines.js';
import { Id } from '../schemas.js';

export const actionTimeout = defineAction({
  name: 'action_timeout',
  summary:
    "Timer: an action task still IN_PROGRESS at that attempt once its deadline (`timeout_seconds` after it started, by bureau's clock) has passed goes to ERROR CALLOUT_TIMEOUT, and its callback stops working. A task that finished, or a deadline not yet reached, is left alone.",
  roles: [],
  worker: 'workflows',
  internal: true,
  access: { ids: {}, owner: 'tenant' },
  input: z.strictObject({ task_instance_id: Id, attempt: z.number().int().min(1) }),
  example: { task_instance_id: 1, attempt: 1 },
  async handler(input, ctx) {
    const { ti, wi } = await lockTask(ctx, input.task_instance_id);
    if (ti.attempt !== input.attempt || ti.status !== taskInstanceMachine.events.start.to) return { timedOut: false, reason: `the task is ${ti.status}, attempt ${ti.attempt}` };
    if (ti.deadlineAt && ti.deadlineAt.getTime() > ctx.now().getTime()) return { timedOut: false, reason: 'the deadline has not passed', deadlineAt: ti.deadlineAt };
    await failTask(ctx, wi, ti, 'CALLOUT_TIMEOUT', 'No outcome arrived before the task timed out.');
    return { timedOut: true, status: ti.status, error: ti.error ?? null };
  },
});
