import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { WORKFLOW_STATUSES } from '../machines.js';
import { Id } from '../schemas.js';
import { listTickets } from '../views.js';

export const listTicketsAction = defineAction({
  name: 'list_tickets',
  summary: "Lists the company's tickets, newest first, filtered by workflow `status`, ticket type (`ticket_key`) or submitter (`created_by`).",
  roles: ['ticket_admin'],
  worker: 'workflows',
  access: { ids: {}, owner: 'tenant' },
  input: z.strictObject({
    status: z.array(z.enum(WORKFLOW_STATUSES)).min(1).optional(),
    ticket_key: z.string().max(100).optional(),
    created_by: Id.optional(),
    limit: z.number().int().min(1).max(500).optional(),
  }),
  example: { status: ['IN_PROGRESS', 'ON_HOLD'] },
  handler: async (input, ctx) => ({ tickets: await listTickets(ctx, ctx.tenantId, { status: input.status, ticketKey: input.ticket_key, createdBy: input.created_by, limit: input.limit }) }),
});
