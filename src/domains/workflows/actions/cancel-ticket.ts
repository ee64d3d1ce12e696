import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { AppError } from '../../../core/errors.js';
import { cancelWorkflow, lockWorkflow } from '../engine.js';
import { Id } from '../schemas.js';
import { ticketDetail } from '../views.js';

export const cancelTicket = defineAction({
  name: 'cancel_ticket',
  summary: "Cancels a ticket that is not finished: its workflow and every task of it not yet completed become CANCELLED (pending callbacks stop working).",
  roles: ['ticket_admin'],
  worker: 'workflows',
  access: { ids: { id: 'ticket_instance' }, owner: 'tenant' },
  input: z.strictObject({ id: Id, reason: z.string().max(1000).optional() }),
  example: { id: 1, reason: 'Duplicate of another ticket' },
  async handler(input, ctx) {
    const [t] = await ctx.sql<{ workflow_instance_id: number }>('select workflow_instance_id from ticket_instance where id = ? and tenant_id = ?', [input.id, ctx.tenantId]);
    if (!t) throw new AppError('NOT_FOUND', `No ticket ${input.id}.`);
    const wi = await lockWorkflow(ctx, t.workflow_instance_id);
    await cancelWorkflow(ctx, wi, input.reason);
    await ctx.em.flush();
    return ticketDetail(ctx, ctx.tenantId, input.id);
  },
});
