import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { assignWaiting, lockAssignments } from '../engine.js';
import { me } from '../rules.js';

export const setAvailability = defineAction({
  name: 'set_availability',
  summary: 'Says whether you take new FORM tasks. Becoming available hands you (and any other available worker) the tasks waiting for someone, shortest list first.',
  roles: ['task_worker'],
  worker: 'workflows',
  access: { ids: {}, owner: 'tenant' },
  input: z.strictObject({ available: z.boolean() }),
  example: { available: true },
  async handler(input, ctx) {
    const userId = me(ctx);
    // Before the availability row: an assignment holding the lock may be updating that row.
    await lockAssignments(ctx);
    await ctx.sql(
      `insert into worker_availability (user_id, tenant_id, available) values (?, ?, ?)
       on conflict (user_id) do update set available = excluded.available, updated_at = now()`,
      [userId, ctx.tenantId, input.available],
    );
    const assigned = input.available ? await assignWaiting(ctx) : 0;
    return { userId, available: input.available, assigned };
  },
});
