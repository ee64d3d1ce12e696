import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { Id } from '../../backoffice/schemas.js';
import { decide } from '../rules.js';

export const rejectBooking = defineAction({
  name: 'reject_booking',
  summary: 'Rejects a pending booking of your tenant with a reason the requester is told (a feed notice and an email). 409 INVALID_TRANSITION when it was already decided.',
  roles: ['admin'],
  access: { ids: { id: 'booking' }, owner: 'tenant' },
  worker: 'bookings',
  input: z.strictObject({ id: Id, reason: z.string().trim().min(1, 'required').max(2000) }),
  example: { id: 1, reason: 'The hall is closed for works that week.' },
  handler: (input, ctx) => decide(ctx, input.id, 'rejected', input.reason),
});
