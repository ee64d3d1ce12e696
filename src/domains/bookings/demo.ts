import type { DemoSet } from '../../core/define-domain.js';
import { fire } from '../../core/state-machine.js';
import { createDemoUsers } from '../accounts/demo-users.js';
import { addressKey, type Address } from './address.js';
import { Booking } from './entities.js';
import { bookingMachine } from './machine.js';

/**
 * The bookings demo set, in acme and globex: two requesters and bookings in
 * every state, the decided ones decided by the tenant's `admin@<tenant>.test`
 * (the back office's demo, which loads first, made it). One pending booking
 * overlaps the accepted one at the same address, so the admin's list shows an
 * overlap. Times are whole hours, days ahead of the load. Users, rows and
 * events go through the same paths as the actions (Accounts.createUser, the
 * ORM, fire()).
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
    const ids = await createDemoUsers(ctx, tenant, BOOKING_USERS.map((local) => ({ local, role: 'requester' })));
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
    // Through the ORM and fire(), as the actions do: each booking is submitted by its requester, then decided by the admin.
    for (const p of plan) {
      const requester = ids[p.who]!;
      const b = ctx.em.create(Booking, {
        tenantId: tenant.id,
        requesterId: requester.id,
        requesterEmail: requester.email,
        topic: p.topic,
        startsAt: p.start,
        endsAt: new Date(p.start.getTime() + p.minutes * 60_000),
        durationMinutes: p.minutes,
        address: p.where,
        addressKey: addressKey(p.where),
        notes: faker.lorem.sentence(),
      });
      await ctx.em.flush();
      fire(ctx.as(requester.id), bookingMachine, b, 'submitted', { reason: 'demo data' });
      if (p.decision) {
        fire(ctx.as(admin!.id), bookingMachine, b, p.decision, { reason: p.reason ?? 'demo data' });
        b.reason = p.reason ?? null;
        b.decidedBy = admin!.id;
        b.decidedAt = ctx.now();
      }
      await ctx.em.flush();
    }
  },
};
