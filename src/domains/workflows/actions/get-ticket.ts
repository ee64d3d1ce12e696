import { defineAction } from '../../../core/define-action.js';
import { submitterScope } from '../rules.js';
import { ById } from '../schemas.js';
import { ticketDetail } from '../views.js';

export const getTicket = defineAction({
  name: 'get_ticket',
  summary: "One ticket with its workflow's progress: status, current task, the task instances so far, the workflow's steps and the history. A user reads only their own tickets.",
  roles: ['user', 'ticket_admin'],
  worker: 'workflows',
  access: { ids: { id: 'ticket_instance' }, owner: 'owner', anyOwner: ['ticket_admin'] },
  input: ById,
  example: { id: 1 },
  handler: (input, ctx) => ticketDetail(ctx, ctx.tenantId, input.id, submitterScope(ctx)),
});
