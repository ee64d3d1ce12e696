import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { AppError } from '../../../core/errors.js';
import { addressKey, AddressSchema } from '../address.js';
import { Booking } from '../entities.js';
import { bookingMachine } from '../machine.js';
import { bookingView, MAX_DURATION_MINUTES } from '../rules.js';
import { fire } from '../../../core/state-machine.js';

export const submitBooking = defineAction({
  name: 'submit_booking',
  summary: `Asks for a booking: a topic at an address, from \`starts_at\` (in the future) for \`duration_minutes\` (1 to ${MAX_DURATION_MINUTES}). It waits \`pending\` until the tenant's admin accepts or rejects it. The requester is your account: a \`contact_email\` is checked and stored, but mail only ever goes to your account's address.`,
  roles: ['requester'],
  access: { ids: {}, owner: 'tenant' },
  worker: 'bookings',
  creates: 'booking',
  input: z.strictObject({
    topic: z.string().trim().min(1, 'required').max(200),
    starts_at: z.iso.datetime({ offset: true }).describe('ISO 8601 with a time zone, e.g. 2030-05-04T09:00:00Z'),
    duration_minutes: z.number().int().min(1, 'must be positive').max(MAX_DURATION_MINUTES, `at most ${MAX_DURATION_MINUTES} (a day)`),
    address: AddressSchema,
    notes: z.string().trim().max(2000).optional(),
    contact_email: z.email().max(320).optional(),
  }),
  example: {
    topic: 'Quarterly planning',
    starts_at: '2030-05-04T09:00:00Z',
    duration_minutes: 90,
    address: { street: '12 Market Street', city: 'Springfield', state: 'Illinois', country: 'US', postal_code: '62701' },
    notes: 'Projector needed.',
  },
  async handler(input, ctx) {
    if (ctx.actor.kind !== 'user') throw new AppError('FORBIDDEN', 'Only a signed-in requester submits bookings.');
    const startsAt = new Date(input.starts_at);
    // Judged against the moment the task was submitted, not the hour a retry happens to run at.
    const [task] = await ctx.sql<{ created_at: Date }>('select created_at from task where id = ?', [ctx.taskId]);
    const submittedAt = task ? new Date(task.created_at) : ctx.now();
    if (startsAt.getTime() <= submittedAt.getTime()) {
      const message = 'The booking must start in the future.';
      throw new AppError('VALIDATION_FAILED', message, { issues: [{ path: 'starts_at', message, code: 'too_small' }] });
    }
    const booking = ctx.em.create(Booking, {
      tenantId: ctx.tenantId,
      requesterId: ctx.actor.id,
      requesterEmail: ctx.actor.email,
      contactEmail: input.contact_email?.toLowerCase() ?? null,
      topic: input.topic,
      startsAt,
      endsAt: new Date(startsAt.getTime() + input.duration_minutes * 60_000),
      durationMinutes: input.duration_minutes,
      address: input.address,
      addressKey: addressKey(input.address),
      notes: input.notes ?? null,
    });
    await ctx.em.flush();
    fire(ctx, bookingMachine, booking, 'submitted', { data: { topic: booking.topic, startsAt: input.starts_at } });
    ctx.notify({ role: 'admin' }, { type: 'booking.submitted', item: { type: 'booking', id: booking.id }, topic: booking.topic });
    return bookingView(booking);
  },
});
