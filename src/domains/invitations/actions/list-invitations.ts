import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { INVITATION_STATUSES } from '../machine.js';

const PAGE_SIZE = 50;

export const listInvitations = defineAction({
  name: 'list_invitations',
  summary: `Lists your tenant's invitations, newest first, ${PAGE_SIZE} per page, optionally of one status.`,
  roles: ['admin'],
  access: { ids: {}, owner: 'tenant' },
  worker: 'admin',
  input: z.strictObject({ status: z.enum(INVITATION_STATUSES).optional(), page: z.number().int().min(1).max(100_000).optional() }),
  example: { status: 'invited', page: 1 },
  async handler(input, ctx) {
    const page = input.page ?? 1;
    const status = input.status ?? null;
    const rows = await ctx.sql<Record<string, unknown> & { total: number }>(
      `select i.id, i.email, i.role, i.level, i.status, i.user_id as "userId", i.expires_at as "expiresAt", i.sent_count as "sentCount",
              i.last_sent_at as "lastSentAt", i.open_count as "openCount", i.click_count as "clickCount", i.registered_at as "registeredAt",
              i.created_at as "createdAt", inviter.email as "invitedBy", count(*) over ()::int as total
         from invitation i left join app_user inviter on inviter.id = i.invited_by
        where i.tenant_id = ? and (?::text is null or i.status = ?)
        order by i.id desc limit ? offset ?`,
      [ctx.tenantId, status, status, PAGE_SIZE, (page - 1) * PAGE_SIZE],
    );
    let total = rows[0]?.total;
    if (total === undefined) {
      const [c] = await ctx.sql<{ n: number }>('select count(*)::int as n from invitation where tenant_id = ? and (?::text is null or status = ?)', [ctx.tenantId, status, status]);
      total = c?.n ?? 0;
    }
    return { items: rows.map(({ total: _total, ...r }) => r), page, pageSize: PAGE_SIZE, total };
  },
});
