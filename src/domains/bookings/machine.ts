import { defineMachine } from '../../core/state-machine.js';

/** The seed's `RequestStatus`: a booking is decided once. */
export const BOOKING_STATUSES = ['pending', 'accepted', 'rejected'] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];

export const bookingMachine = defineMachine({
  entity: 'booking',
  statuses: BOOKING_STATUSES,
  final: ['accepted', 'rejected'],
  events: {
    submitted: { from: [], to: 'pending' },
    accepted: { from: ['pending'], to: 'accepted', verb: 'accept' },
    rejected: { from: ['pending'], to: 'rejected', verb: 'reject' },
  },
});
