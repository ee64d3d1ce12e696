import { defineAction } from '../../../core/define-action.js';
import { actorId } from '../../../core/roles.js';
import { loadWorkflow, publishWorkflow, refuse, workflowIssues } from '../definitions.js';
import { IT_REQUEST_WORKFLOW, WorkflowSpec } from '../schemas.js';

export const createWorkflowDefinition = defineAction({
  name: 'create_workflow_definition',
  summary:
    'Uploads a workflow (its tasks and transitions) as version 1. Checked in the worker: exactly one start task, transitions between tasks of this workflow, input/output schemas that are valid JSON Schemas, JSON Logic conditions and JSONata transforms that parse; VALIDATION_FAILED names each bad path.',
  roles: ['workflow_creator'],
  worker: 'workflows',
  access: { ids: {}, owner: 'tenant' },
  creates: 'workflow_definition',
  input: WorkflowSpec,
  example: IT_REQUEST_WORKFLOW,
  async handler(input, ctx) {
    refuse(workflowIssues(input), 'workflow definition');
    const id = await publishWorkflow(ctx, ctx.tenantId, actorId(ctx.actor), input);
    return loadWorkflow(ctx, ctx.tenantId, id);
  },
});
