import { LockMode } from '@mikro-orm/core';
import type { ActionContext } from '../../core/context.js';
import { AppError, toAppError } from '../../core/errors.js';
import { actorId } from '../../core/roles.js';
import { fire } from '../../core/state-machine.js';
import { Booking, type IBooking } from './entities.js';
import { bookingMachine } from './machine.js';

/** Longest booking, in minutes (the seed bounds the duration; a day is plenty for a talk or a visit). */
export const MAX_DURATION_MINUTES = 1440;

/** A booking of the caller's tenant, row-locked for the rest of the transaction; 404 otherwise. */
export async function loadBooking(ctx: ActionContext, id: number): Promise<IBooking> {
  const booking = await ctx.em.findOne(Booking, { id, tenantId: ctx.tenantId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!booking) throw new AppError('NOT_FOUND', `No booking ${id}.`);
  return booking;
}

export function bookingView(b: IBooking) {
  return {
    type: 'booking' as const,
    id: b.id,
    topic: b.topic,
    startsAt: b.startsAt,
    endsAt: b.endsAt,
    durationMinutes: b.durationMinutes,
    address: b.address,
    notes: b.notes ?? null,
    status: b.status,
    reason: b.reason ?? null,
    requesterId: b.requesterId,
    requesterEmail: b.requesterEmail,
    contactEmail: b.contactEmail ?? null,
    decidedBy: b.decidedBy ?? null,
    decidedAt: b.decidedAt ?? null,
    createdAt: b.createdAt,
  };
}

/** An accepted booking of the tenant at the same address whose period overlaps this one's, if any. */
export async function acceptedOverlap(ctx: ActionContext, b: IBooking): Promise<number | null> {
  const [row] = await ctx.sql<{ id: number }>(
    `select id from booking
      where tenant_id = ? and address_key = ? and status = 'accepted' and id <> ?
        and tstzrange(starts_at, ends_at, '[)') && tstzrange(?, ?, '[)')
      order by starts_at limit 1`,
    [ctx.tenantId, b.addressKey, b.id, b.startsAt, b.endsAt],
  );
  return row ? Number(row.id) : null;
}

function overlapError(b: IBooking, other: number | null): AppError {
  const message = other
    ? `Cannot accept booking ${b.id}: it overlaps accepted booking ${other} at the same address.`
    : `Cannot accept booking ${b.id}: it overlaps an accepted booking at the same address.`;
  return new AppError('CONFLICT', message, { bookingId: b.id, conflictsWith: other, constraint: 'booking_no_overlap' });
}

/**
 * Accepts or rejects a pending booking, once (INVALID_TRANSITION otherwise),
 * and tells its requester: a feed notice now, an email on the `mail` queue.
 * Accepting checks for an accepted overlap first, to name it; the database's
 * exclusion constraint is what settles two accepts racing each other: the
 * second to commit fails with 23P01 here, turned into the same CONFLICT.
 */
export async function decide(ctx: ActionContext, id: number, decision: 'accepted' | 'rejected', reason?: string) {
  const b = await loadBooking(ctx, id);
  fire(ctx, bookingMachine, b, decision, { reason });
  if (decision === 'accepted') {
    const other = await acceptedOverlap(ctx, b);
    if (other) throw overlapError(b, other);
  }
  b.reason = reason ?? null;
  b.decidedBy = actorId(ctx.actor);
  b.decidedAt = ctx.now();
  try {
    await ctx.em.flush();
  } catch (err) {
    const e = toAppError(err);
    if (e.code === 'CONFLICT' && e.details?.constraint === 'booking_no_overlap') throw overlapError(b, (e.details.conflictsWith as number | undefined) ?? null);
    throw err;
  }
  ctx.notify({ userIds: [b.requesterId] }, { type: `booking.${decision}`, item: { type: 'booking', id: b.id }, topic: b.topic, startsAt: b.startsAt, reason: b.reason ?? null });
  ctx.enqueue('send_booking_decision', { id: b.id }, { key: `booking-decision:${b.id}` });
  return bookingView(b);
}
