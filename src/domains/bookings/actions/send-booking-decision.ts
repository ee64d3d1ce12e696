import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { Id } from '../../backoffice/schemas.js';
import { Booking } from '../entities.js';
import { renderDecision } from '../templates.js';

/**
 * The email telling a requester their booking was decided, on the `mail`
 * queue. It goes to the address of the requester's account, never to a
 * contact address they typed. Handed to SMTP as the last step of the task's
 * transaction (SMTP down: UNAVAILABLE, retried), with a Message-ID that names
 * the booking and the decision, so a resend after a crash is recognisable.
 */
export const sendBookingDecision = defineAction({
  name: 'send_booking_decision',
  summary: "Mail job: emails a booking's requester that it was accepted or rejected. Run by the system only.",
  roles: [],
  access: { ids: { id: 'booking' }, owner: 'tenant' },
  worker: 'mail',
  internal: true,
  input: z.strictObject({ id: Id }),
  example: { id: 1 },
  async handler(input, ctx) {
    const b = await ctx.em.findOne(Booking, { id: input.id, tenantId: ctx.tenantId });
    if (!b) return { sent: false, reason: 'the booking was deleted' };
    if (b.status === 'pending') return { sent: false, reason: 'the booking is not decided' };
    const [about] = await ctx.sql<{ tenant: string }>('select name as tenant from tenant where id = ?', [ctx.tenantId]);
    const host = new URL(ctx.config.publicUrl).hostname || 'bureau.localhost';
    const messageId = `<booking-${b.id}-${b.status}@${host}>`;
    ctx.mail({ to: b.requesterEmail, ...renderDecision(b, about?.tenant ?? 'bureau', ctx.config.publicUrl), messageId });
    return { sent: true, id: b.id, to: b.requesterEmail, status: b.status, messageId };
  },
});
