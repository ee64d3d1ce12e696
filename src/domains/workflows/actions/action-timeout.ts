import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { failTask, lockTask } from '../engine.js';
import { taskInstanceMachine } from '../machines.js';
import { Id } from '../schemas.js';

/** The shortest wait of a re-armed timer (a deadline a few ms ahead must not spin the queue). */
const MIN_REARM_MS = 1_000;

export const actionTimeout = defineAction({
  name: 'action_timeout',
  summary:
    "Timer: an action task still IN_PROGRESS at that attempt once its deadline (`timeout_seconds` after it started, by bureau's clock) has passed goes to ERROR CALLOUT_TIMEOUT, and its callback stops working. Fired before the deadline (clock skew, a moved clock), it re-arms itself for the time left. A task that finished, or whose callback was already accepted (its outcome is on the way and wins), is left alone.",
  roles: [],
  worker: 'workflows',
  internal: true,
  access: { ids: {}, owner: 'tenant' },
  input: z.strictObject({ task_instance_id: Id, attempt: z.number().int().min(1), round: z.number().int().min(0).optional() }),
  example: { task_instance_id: 1, attempt: 1 },
  async handler(input, ctx) {
    const { ti, wi } = await lockTask(ctx, input.task_instance_id);
    if (ti.attempt !== input.attempt || ti.status !== taskInstanceMachine.events.start.to) return { timedOut: false, reason: `the task is ${ti.status}, attempt ${ti.attempt}` };
    // Locked, so a callback being accepted right now either commits first (and is seen as used) or finds its callback expired (GONE).
    const callbacks = await ctx.sql<{ used_at: Date | null }>('select used_at from workflow_callback where task_instance_id = ? and attempt = ? for update', [ti.id, ti.attempt]);
    if (callbacks.some((c) => c.used_at !== null)) return { timedOut: false, reason: 'its callback was accepted before the deadline: the outcome is on the way' };
    const left = ti.deadlineAt ? ti.deadlineAt.getTime() - ctx.now().getTime() : 0;
    if (left > 0) {
      // Early by bureau's clock: wait again for the time left, as one new timer (its key names this round).
      const round = (input.round ?? 0) + 1;
      ctx.enqueue('action_timeout', { task_instance_id: ti.id, attempt: ti.attempt, round }, { delayMs: Math.max(left, MIN_REARM_MS), key: `wf-timeout:${ti.id}:${ti.attempt}:${round}` });
      return { timedOut: false, reason: 'the deadline has not passed: the timer is re-armed', deadlineAt: ti.deadlineAt, rearmed: { round, delayMs: Math.max(left, MIN_REARM_MS) } };
    }
    await failTask(ctx, wi, ti, 'CALLOUT_TIMEOUT', 'No outcome arrived before the task timed out.');
    return { timedOut: true, status: ti.status, error: ti.error ?? null };
  },
});
