import { defineAction } from '../../../core/define-action.js';
import { loadWorkflow } from '../definitions.js';
import { ById } from '../schemas.js';

export const getWorkflowDefinition = defineAction({
  name: 'get_workflow_definition',
  summary: 'One workflow version with its task definitions and transitions (named by task key).',
  roles: ['workflow_creator', 'ticket_admin'],
  worker: 'workflows',
  access: { ids: { id: 'workflow_definition' }, owner: 'tenant' },
  input: ById,
  example: { id: 1 },
  handler: (input, ctx) => loadWorkflow(ctx, ctx.tenantId, input.id),
});
