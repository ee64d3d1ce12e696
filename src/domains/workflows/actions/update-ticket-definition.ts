import { defineAction } from '../../../core/define-action.js';
import { AppError } from '../../../core/errors.js';
import { actorId } from '../../../core/roles.js';
import { loadTicketDef, publishTicket, refuse, ticketDefView, ticketIssues } from '../definitions.js';
import { Id, IT_REQUEST_TICKET, TicketSpec } from '../schemas.js';

const { workflow_id: _workflow, ...example } = IT_REQUEST_TICKET;

export const updateTicketDefinition = defineAction({
  name: 'update_ticket_definition',
  summary: 'Publishes an edited ticket type as the next version of the type `id` belongs to (same workflow unless `workflow_id` says another); tickets already submitted keep theirs.',
  roles: ['workflow_creator'],
  worker: 'workflows',
  access: { ids: { id: 'ticket_definition' }, owner: 'tenant' },
  input: TicketSpec.extend({ id: Id, workflow_id: Id.optional() }),
  example: { id: 1, ...example },
  async handler({ id, ...spec }, ctx) {
    const current = await loadTicketDef(ctx, ctx.tenantId, id);
    let wfKey = current.wf_key;
    if (spec.workflow_id !== undefined) {
      const [wf] = await ctx.sql<{ wf_key: string }>('select wf_key from workflow_definition where id = ? and tenant_id = ?', [spec.workflow_id, ctx.tenantId]);
      if (!wf) throw new AppError('NOT_FOUND', `No workflow definition ${spec.workflow_id}.`, { field: 'workflow_id' });
      wfKey = wf.wf_key;
    }
    refuse(ticketIssues(spec), 'ticket definition');
    const next = await publishTicket(ctx, ctx.tenantId, actorId(ctx.actor), { ...spec, workflow_id: current.workflow_id ?? 0 }, wfKey, current.ticket_key);
    return ticketDefView(await loadTicketDef(ctx, ctx.tenantId, next));
  },
});
