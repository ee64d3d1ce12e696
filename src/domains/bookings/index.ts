import { defineDomain } from '../../core/define-domain.js';
import { bookingActions } from './actions.js';
import { bookingsDemo } from './demo.js';
import { Booking } from './entities.js';
import { bookingFixture } from './fixtures.js';
import { bookingMachine } from './machine.js';

/**
 * Seed 004: requesters ask for bookings, the tenant's admin accepts or rejects
 * each once, and no two accepted bookings overlap at one address. Every
 * booking action runs on the `bookings` worker kind, the requester's and the
 * admin's alike, so a flood of requests never waits behind the back office's
 * admin queue (and accepts racing for one slot meet in the database).
 */
export const bookingsDomain = defineDomain({
  name: 'bookings',
  summary: 'Booking requests: submit, list, accept or reject once, delete; no double booking at an address (seed 004).',
  roles: ['requester'],
  workerKinds: ['bookings'],
  roleQueues: { requester: 'bookings' },
  actions: bookingActions,
  entities: [Booking],
  machines: [bookingMachine],
  idKinds: { booking: { fixture: bookingFixture, typed: true, listKeys: ['bookings'], messageWord: 'booking', refKeys: ['bookingId', 'conflictsWith'] } },
  demo: bookingsDemo,
  callers: {
    tenants: { own: 'acme', other: 'globex' },
    roles: {
      requester: { caller: 'requester1', other: 'requester2' },
      admin: { caller: 'admin', other: 'requester2' },
    },
  },
});
