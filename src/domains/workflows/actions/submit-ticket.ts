import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { actorId } from '../../../core/roles.js';
import { fieldsSchema, latestWorkflowId, loadTicketDef, refuse } from '../definitions.js';
import { startTicket } from '../engine.js';
import { dataIssues } from '../logic.js';
import { submitterScope } from '../rules.js';
import { Id } from '../schemas.js';
import { ticketDetail } from '../views.js';

export const submitTicket = defineAction({
  name: 'submit_ticket',
  summary:
    "Submits a ticket of a type you may submit (its latest version), with `data` checked against the type's fields. In one transaction: the ticket, its workflow instance (the workflow's latest version, kept for the ticket's life) and the first task instance, assigned or queued.",
  roles: ['user'],
  worker: 'workflows',
  access: { ids: { ticket_definition_id: 'ticket_definition' }, owner: 'tenant' },
  creates: 'ticket_instance',
  input: z.strictObject({ ticket_definition_id: Id, data: z.record(z.string(), z.unknown()) }),
  example: { ticket_definition_id: 1, data: { summary: 'A laptop for the new hire', amount: 1200 } },
  async handler(input, ctx) {
    const given = await loadTicketDef(ctx, ctx.tenantId, input.ticket_definition_id, submitterScope(ctx));
    const [latest] = await ctx.sql<{ id: number }>('select id from ticket_definition where tenant_id = ? and ticket_key = ? order by version desc limit 1', [ctx.tenantId, given.ticket_key]);
    const def = await loadTicketDef(ctx, ctx.tenantId, latest!.id, submitterScope(ctx));
    refuse(dataIssues(fieldsSchema(def.fields), input.data, 'data'), 'ticket data');
    const workflowId = await latestWorkflowId(ctx, ctx.tenantId, def.wf_key);
    const id = await startTicket(ctx, def.id, workflowId, input.data, actorId(ctx.actor));
    return ticketDetail(ctx, ctx.tenantId, id);
  },
});
