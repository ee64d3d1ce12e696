import { defineAction } from '../../../core/define-action.js';
import { actorId } from '../../../core/roles.js';
import { loadWorkflow, publishWorkflow, refuse, specOf, workflowIssues } from '../definitions.js';
import { Id, IT_REQUEST_WORKFLOW, WorkflowSpec } from '../schemas.js';

export const updateWorkflowDefinition = defineAction({
  name: 'update_workflow_definition',
  summary: 'Publishes an edited workflow as the next version of the workflow `id` belongs to (any of its versions). Running tickets keep the version they started with; new tickets run the new one. Checked as on create.',
  roles: ['workflow_creator'],
  worker: 'workflows',
  access: { ids: { id: 'workflow_definition' }, owner: 'tenant' },
  input: WorkflowSpec.extend({ id: Id }),
  example: { id: 1, ...IT_REQUEST_WORKFLOW },
  async handler({ id, ...spec }, ctx) {
    const { key } = await specOf(ctx, ctx.tenantId, id);
    refuse(workflowIssues(spec), 'workflow definition');
    const next = await publishWorkflow(ctx, ctx.tenantId, actorId(ctx.actor), spec, key);
    return loadWorkflow(ctx, ctx.tenantId, next);
  },
});
