import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { BOOKING_STATUSES } from '../machine.js';

const PAGE_SIZE = 50;

export const listBookings = defineAction({
  name: 'list_bookings',
  summary: `Lists bookings by start time, ${PAGE_SIZE} per page, optionally of one status and starting in [from, to). A requester sees their own; the tenant's admin sees all, each with \`overlaps\`: the accepted bookings at the same address whose period overlaps it (id, topic, start, end).`,
  roles: ['requester', 'admin'],
  access: { ids: {}, owner: 'tenant' },
  worker: 'bookings',
  input: z.strictObject({
    status: z.enum(BOOKING_STATUSES).optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    page: z.number().int().min(1).max(100_000).default(1),
  }),
  example: { status: 'pending', page: 1 },
  async handler(input, ctx) {
    const mine = ctx.actor.kind === 'user' && ctx.actor.role !== 'admin' ? ctx.actor.id : null;
    const where = `b.tenant_id = ? and (?::int is null or b.requester_id = ?) and (?::text is null or b.status = ?)
      and (?::timestamptz is null or b.starts_at >= ?) and (?::timestamptz is null or b.starts_at < ?)`;
    const params = [ctx.tenantId, mine, mine, input.status ?? null, input.status ?? null, input.from ?? null, input.from ?? null, input.to ?? null, input.to ?? null];
    const rows = await ctx.sql<Record<string, unknown>>(
      `select 'booking' as type, b.id, b.topic, b.starts_at as "startsAt", b.ends_at as "endsAt", b.duration_minutes as "durationMinutes",
              b.address, b.notes, b.status, b.reason, b.requester_id as "requesterId", b.requester_email as "requesterEmail",
              b.decided_by as "decidedBy", d.email as "decidedByEmail", b.decided_at as "decidedAt", b.created_at as "createdAt",
              coalesce((select json_agg(json_build_object('type', 'booking', 'id', o.id, 'topic', o.topic, 'startsAt', o.starts_at, 'endsAt', o.ends_at) order by o.starts_at)
                  from booking o
                 where o.tenant_id = b.tenant_id and o.address_key = b.address_key and o.status = 'accepted' and o.id <> b.id
                   and tstzrange(o.starts_at, o.ends_at, '[)') && tstzrange(b.starts_at, b.ends_at, '[)')), '[]') as overlaps
         from booking b left join app_user d on d.id = b.decided_by
        where ${where}
        order by b.starts_at, b.id limit ? offset ?`,
      [...params, PAGE_SIZE, (input.page - 1) * PAGE_SIZE],
    );
    const [count] = await ctx.sql<{ n: number }>(`select count(*)::int as n from booking b where ${where}`, params);
    return { bookings: mine === null ? rows : rows.map(({ overlaps: _o, ...r }) => r), page: input.page, pageSize: PAGE_SIZE, total: count?.n ?? 0 };
  },
});
