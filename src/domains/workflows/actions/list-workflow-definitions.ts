import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { listWorkflows } from '../definitions.js';

export const listWorkflowDefinitions = defineAction({
  name: 'list_workflow_definitions',
  summary: "Lists the company's workflows, latest version of each (every version with `all_versions`).",
  roles: ['workflow_creator', 'ticket_admin'],
  worker: 'workflows',
  access: { ids: {}, owner: 'tenant' },
  input: z.strictObject({ all_versions: z.boolean().optional() }),
  example: { all_versions: false },
  handler: async (input, ctx) => ({ workflows: await listWorkflows(ctx, ctx.tenantId, input.all_versions ?? false) }),
});
