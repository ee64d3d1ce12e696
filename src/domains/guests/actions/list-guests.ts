import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';

export const listGuests = defineAction({
  name: 'list_guests',
  summary:
    "A coordinator's guests and hosts (the provider admin: everyone's), each with their current group and task (the first not `Complete`; null when all are) and the number of tasks waiting on more information.",
  roles: ['coordinator', 'admin'],
  access: { ids: {}, owner: 'tenant' },
  worker: 'guests',
  input: z.strictObject({ role: z.enum(['guest', 'host']).optional() }),
  example: { role: 'guest' },
  async handler(input, ctx) {
    const mine = ctx.actor.kind === 'user' && ctx.actor.role === 'coordinator' ? ctx.actor.id : null;
    const rows = await ctx.sql<{
      id: number; email: string; first_name: string | null; last_name: string | null; role: string; account: string; coordinator_id: number | null; version: number;
      group_id: number | null; group_title: string | null; group_status: string | null; task_id: number | null; task_title: string | null; task_status: string | null; waiting: number;
    }>(
      `select u.id, u.email, u.first_name, u.last_name, p.role, u.status as account, p.coordinator_id, d.version,
              cg.id as group_id, cg.title as group_title, cg.status as group_status, ct.id as task_id, ct.title as task_title, ct.status as task_status,
              (select count(*)::int from guest_task t join task_group g on g.id = t.group_id join task_group_definition gd on gd.id = g.definition_id
                where t.user_id = u.id and gd.dashboard_id = p.dashboard_id and t.status = 'More information is needed') as waiting
         from guest_profile p join app_user u on u.id = p.user_id join onboarding_dashboard d on d.id = p.dashboard_id
         left join lateral (select g.id, gd.title, g.status from task_group g join task_group_definition gd on gd.id = g.definition_id
                             where g.user_id = u.id and gd.dashboard_id = p.dashboard_id and g.status <> 'Complete' order by gd.position limit 1) cg on true
         left join lateral (select t.id, td.title, t.status from guest_task t join guest_task_definition td on td.id = t.definition_id
                             where t.group_id = cg.id and t.status <> 'Complete' order by td.position limit 1) ct on true
        where p.tenant_id = ? and (?::int is null or p.coordinator_id = ?) and (?::text is null or p.role = ?)
        order by u.id`,
      [ctx.tenantId, mine, mine, input.role ?? null, input.role ?? null],
    );
    return {
      guests: rows.map((r) => ({
        id: r.id,
        email: r.email,
        firstName: r.first_name,
        lastName: r.last_name,
        role: r.role,
        account: r.account,
        coordinatorId: r.coordinator_id,
        version: r.version,
        currentGroup: r.group_id ? { id: r.group_id, title: r.group_title, status: r.group_status } : null,
        currentTask: r.task_id ? { id: r.task_id, title: r.task_title, status: r.task_status } : null,
        waitingOnInformation: r.waiting,
      })),
    };
  },
});
