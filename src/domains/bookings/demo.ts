import type { DemoContext, DemoSet } from '../../core/define-domain.js';
import { addressKey, type Address } from './address.js';

/**
 * The bookings demo set, in acme and globex: two requesters and bookings in
 * every state, the decided ones decided by the tenant's `admin@<tenant>.test`
 * (the back office's demo, which loads first, made it). One pending booking
 * overlaps the accepted one at the same address, so the admin's list shows an
 * overlap. Times are whole hours, days ahead of the load.
 */
export const BOOKING_USERS = ['requester1', 'requester2'] as const;

const DAY = 24 * 3_600_000;

export const bookingsDemo: DemoSet = {
  tenants: [
    { slug: 'acme', name: 'Acme Corporation' },
    { slug: 'globex', name: 'Globex Corporation' },
  ],
  seed: 4004,
  users: [...BOOKING_USERS],
  async load(ctx, tenant) {
    const { faker } = ctx;
    const ids: Record<string, { id: number; email: string }> = {};
    for (const local of BOOKING_USERS) {
      const email = `${local}@${tenant.slug}.test`;
      const [row] = await ctx.sql<{ id: number }>(
        `insert into app_user (tenant_id, email, role, level, status, first_name, last_name, password_hash) values (?, ?, 'requester', 1, 'active', ?, ?, ?) returning id`,
        [tenant.id, email, faker.person.firstName(), faker.person.lastName(), ctx.passwordHash],
      );
      ids[local] = { id: row!.id, email };
    }
    const [admin] = await ctx.sql<{ id: number }>('select id from app_user where tenant_id = ? and email = ?', [tenant.id, `admin@${tenant.slug}.test`]);
    const address = (): Address => ({ street: faker.location.streetAddress(), city: faker.location.city(), state: faker.location.state(), country: 'US', postal_code: faker.location.zipCode('#####') });
    const [hall, annex, studio] = [address(), address(), address()];
    const day0 = Math.floor(ctx.now().getTime() / DAY) * DAY;
    const at = (days: number, hour: number) => new Date(day0 + days * DAY + hour * 3_600_000);
    const plan: { who: string; topic: string; start: Date; minutes: number; where: Address; decision?: 'accepted' | 'rejected'; reason?: string }[] = [
      { who: 'requester1', topic: 'Team offsite kickoff', start: at(7, 9), minutes: 120, where: hall!, decision: 'accepted' },
      { who: 'requester2', topic: 'Board review', start: at(10, 14), minutes: 90, where: annex!, decision: 'rejected', reason: 'The annex is closed for works that week.' },
      { who: 'requester1', topic: 'Product demo', start: at(7, 10), minutes: 60, where: hall! },
      { who: 'requester2', topic: 'Customer workshop', start: at(14, 9), minutes: 180, where: studio! },
      { who: 'requester1', topic: 'Onboarding training', start: at(21, 13), minutes: 60, where: annex! },
    ];
    for (const p of plan) {
      const requester = ids[p.who]!;
      const status = p.decision ?? 'pending';
      const [row] = await ctx.sql<{ id: number }>(
        `insert into booking (tenant_id, requester_id, requester_email, topic, starts_at, ends_at, duration_minutes, address, address_key, notes, status, reason, decided_by, decided_at)
         values (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?) returning id`,
        [tenant.id, requester.id, requester.email, p.topic, p.start, new Date(p.start.getTime() + p.minutes * 60_000), p.minutes, JSON.stringify(p.where), addressKey(p.where), faker.lorem.sentence(), status,
          p.reason ?? null, p.decision ? admin!.id : null, p.decision ? ctx.now() : null],
      );
      await event(ctx, tenant.id, row!.id, 'submitted', null, 'pending', requester.id, 'demo data');
      if (p.decision) await event(ctx, tenant.id, row!.id, p.decision, 'pending', p.decision, admin!.id, p.reason ?? 'demo data');
    }
  },
};

function event(ctx: DemoContext, tenantId: number, id: number, name: string, from: string | null, to: string, actorId: number, reason: string) {
  return ctx.sql(`insert into entity_event (tenant_id, entity_type, entity_id, event, from_status, to_status, actor_id, reason) values (?, 'booking', ?, ?, ?, ?, ?, ?)`, [tenantId, id, name, from, to, actorId, reason]);
}
