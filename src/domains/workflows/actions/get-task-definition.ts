import { defineAction } from '../../../core/define-action.js';
import { loadTaskDef, taskDefView } from '../definitions.js';
import { ById } from '../schemas.js';

export const getTaskDefinition = defineAction({
  name: 'get_task_definition',
  summary: 'One task definition: type, input/output schemas, layouts (declarative JSON), action URL, transforms and timeout.',
  roles: ['workflow_creator', 'ticket_admin'],
  worker: 'workflows',
  access: { ids: { id: 'task_definition' }, owner: 'tenant' },
  input: ById,
  example: { id: 1 },
  handler: async (input, ctx) => taskDefView(await loadTaskDef(ctx, ctx.tenantId, input.id)),
});
