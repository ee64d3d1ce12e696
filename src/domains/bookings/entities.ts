import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { Address } from './address.js';
import { BOOKING_STATUSES } from './machine.js';

/**
 * A booking request. `ends_at` is `starts_at` plus the duration, stored so the
 * exclusion constraint (`booking_no_overlap`) can index the period;
 * `address_key` is the normalised address that constraint compares.
 */
export const Booking = defineEntity({
  name: 'Booking',
  tableName: 'booking',
  properties: {
    id: p.integer().primary(),
    tenantId: p.integer(),
    requesterId: p.integer(),
    requesterEmail: p.text(),
    contactEmail: p.text().nullable(),
    topic: p.text(),
    startsAt: p.datetime(),
    endsAt: p.datetime(),
    durationMinutes: p.integer(),
    address: p.json<Address>(),
    addressKey: p.text(),
    notes: p.text().nullable(),
    status: p.enum([...BOOKING_STATUSES]).columnType('text').default('pending'),
    reason: p.text().nullable(),
    decidedBy: p.integer().nullable(),
    decidedAt: p.datetime().nullable(),
    createdAt: p.datetime().defaultRaw('now()').onCreate(() => new Date()),
    updatedAt: p.datetime().defaultRaw('now()').onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});
export type IBooking = InferEntity<typeof Booking>;
