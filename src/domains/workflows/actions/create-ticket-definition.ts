import { defineAction } from '../../../core/define-action.js';
import { AppError } from '../../../core/errors.js';
import { actorId } from '../../../core/roles.js';
import { loadTicketDef, publishTicket, refuse, ticketDefView, ticketIssues } from '../definitions.js';
import { IT_REQUEST_TICKET, TicketSpec } from '../schemas.js';

export const createTicketDefinition = defineAction({
  name: 'create_ticket_definition',
  summary:
    'Publishes a ticket type (version 1): its fields (the data users submit, checked as a JSON Schema), the workflow it runs (its latest version at submit time) and the company roles that may see and submit it (none = every user).',
  roles: ['workflow_creator'],
  worker: 'workflows',
  access: { ids: { workflow_id: 'workflow_definition' }, owner: 'tenant' },
  creates: 'ticket_definition',
  input: TicketSpec,
  example: IT_REQUEST_TICKET,
  async handler(input, ctx) {
    const [wf] = await ctx.sql<{ wf_key: string }>('select wf_key from workflow_definition where id = ? and tenant_id = ?', [input.workflow_id, ctx.tenantId]);
    if (!wf) throw new AppError('NOT_FOUND', `No workflow definition ${input.workflow_id}.`, { field: 'workflow_id' });
    refuse(ticketIssues(input), 'ticket definition');
    const id = await publishTicket(ctx, ctx.tenantId, actorId(ctx.actor), input, wf.wf_key);
    return ticketDefView(await loadTicketDef(ctx, ctx.tenantId, id));
  },
});
