import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { Id } from '../../backoffice/schemas.js';
import { decide } from '../rules.js';

export const acceptBooking = defineAction({
  name: 'accept_booking',
  summary:
    "Accepts a pending booking of your tenant and tells its requester (a feed notice and an email). 409 CONFLICT when it overlaps an accepted booking at the same address (`details.conflictsWith` names it; the database's exclusion constraint settles concurrent accepts); 409 INVALID_TRANSITION when it was already decided.",
  roles: ['admin'],
  access: { ids: { id: 'booking' }, owner: 'tenant' },
  worker: 'bookings',
  input: z.strictObject({ id: Id }),
  example: { id: 1 },
  handler: (input, ctx) => decide(ctx, input.id, 'accepted'),
});
