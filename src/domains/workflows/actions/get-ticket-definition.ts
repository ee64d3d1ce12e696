import { defineAction } from '../../../core/define-action.js';
import { loadTicketDef, ticketDefView } from '../definitions.js';
import { submitterScope } from '../rules.js';
import { ById } from '../schemas.js';

export const getTicketDefinition = defineAction({
  name: 'get_ticket_definition',
  summary: "One ticket type with its fields and the JSON Schema its data must match (`data_schema`). A user who may not submit it gets NOT_FOUND.",
  roles: ['user', 'workflow_creator', 'ticket_admin'],
  worker: 'workflows',
  access: { ids: { id: 'ticket_definition' }, owner: 'tenant' },
  input: ById,
  example: { id: 1 },
  handler: async (input, ctx) => ticketDefView(await loadTicketDef(ctx, ctx.tenantId, input.id, submitterScope(ctx))),
});
