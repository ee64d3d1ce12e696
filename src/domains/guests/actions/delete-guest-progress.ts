import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { currentDashboard } from '../definition.js';
import { instantiate, loadBoard, loadPerson, resetBoard } from '../rules.js';
import { Id, ON_A_GUEST } from '../schemas.js';
import { dashboardView } from '../views.js';

export const deleteGuestProgress = defineAction({
  name: 'delete_guest_progress',
  summary:
    "The seed's delete: a person starts over. Every answer is deleted and every group and task goes back to `Locked` (event `reset`), then the first group and its first task unlock again; a person on an older version moves to the provider's current dashboard version: the old version's rows stay `Locked` and its tasks are NOT_FOUND from then on. Coordinator (their guests) or provider admin. Returns the dashboard.",
  roles: ['coordinator', 'admin'],
  access: ON_A_GUEST,
  worker: 'guests',
  input: z.strictObject({ guest_id: Id, reason: z.string().trim().min(1).max(500).optional() }),
  example: { guest_id: 1, reason: 'Guest asked to start over' },
  async handler(input, ctx) {
    const person = await loadPerson(ctx, input.guest_id);
    const reason = input.reason ?? 'progress deleted';
    const current = await currentDashboard(ctx, ctx.tenantId, person.role);
    const moving = !!current && current.id !== person.dashboardId;
    // The version being left is reset and stays `Locked`: none of its tasks may come back actionable.
    resetBoard(ctx, await loadBoard(ctx, person.userId, person.dashboardId), reason, { unlock: !moving });
    await ctx.sql('delete from guest_response where user_id = ?', [person.userId]);
    if (current && moving) {
      await ctx.em.flush();
      await ctx.sql('update guest_profile set dashboard_id = ? where user_id = ?', [current.id, person.userId]);
      const [had] = await ctx.sql<{ n: number }>('select count(*)::int as n from task_group g join task_group_definition d on d.id = g.definition_id where g.user_id = ? and d.dashboard_id = ?', [person.userId, current.id]);
      if (had!.n) resetBoard(ctx, await loadBoard(ctx, person.userId, current.id), reason);
      else await instantiate(ctx, person.userId, current.id);
      person.dashboardId = current.id;
    }
    return dashboardView(ctx, person);
  },
});
