import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { INVITATION_STATUSES } from '../machine.js';

export const listPeople = defineAction({
  name: 'list_people',
  summary:
    "The seed's employee view: your tenant's users (active and invited) with their role, level and the status of their latest invitation (`invitation: null` for users who never had one). Filter by that invitation status.",
  roles: ['admin'],
  access: { ids: {}, owner: 'tenant' },
  worker: 'admin',
  input: z.strictObject({ status: z.enum(INVITATION_STATUSES).optional() }),
  example: { status: 'invited' },
  async handler(input, ctx) {
    const status = input.status ?? null;
    const rows = await ctx.sql<{ id: number; email: string; role: string; level: number; account: string; first_name: string | null; last_name: string | null; invitation_id: number | null; invitation_status: string | null; expires_at: Date | null }>(
      `select u.id, u.email, u.role, u.level, u.status as account, u.first_name, u.last_name,
              i.id as invitation_id, i.status as invitation_status, i.expires_at
         from app_user u
         left join lateral (select id, status, expires_at from invitation where user_id = u.id order by id desc limit 1) i on true
        where u.tenant_id = ? and (?::text is null or i.status = ?)
        order by u.id`,
      [ctx.tenantId, status, status],
    );
    return {
      people: rows.map((r) => ({
        id: r.id,
        email: r.email,
        firstName: r.first_name,
        lastName: r.last_name,
        role: r.role,
        level: r.level,
        account: r.account,
        invitation: r.invitation_id ? { id: r.invitation_id, status: r.invitation_status, expiresAt: r.expires_at } : null,
      })),
    };
  },
});
