import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { Id } from '../../backoffice/schemas.js';
import { loadBooking } from '../rules.js';

export const deleteBooking = defineAction({
  name: 'delete_booking',
  summary: 'Deletes a booking of your tenant, whatever its status (an accepted one frees its slot). Its history stays in the event log.',
  roles: ['admin'],
  access: { ids: { id: 'booking' }, owner: 'tenant' },
  worker: 'bookings',
  input: z.strictObject({ id: Id }),
  example: { id: 1 },
  async handler(input, ctx) {
    const b = await loadBooking(ctx, input.id);
    // Not a status change: the row goes, the event log keeps what it was.
    ctx.record({ entityType: 'booking', entityId: b.id, event: 'deleted', fromStatus: b.status, toStatus: 'deleted', data: { topic: b.topic, requesterId: b.requesterId } });
    await ctx.sql('delete from booking where id = ? and tenant_id = ?', [b.id, ctx.tenantId]);
    ctx.em.clear();
    return { id: b.id, deleted: true };
  },
});
