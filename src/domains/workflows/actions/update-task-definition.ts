import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { actorId } from '../../../core/roles.js';
import { loadTaskDef, loadWorkflow, publishWorkflow, refuse, specOf, workflowIssues } from '../definitions.js';
import { Id, TaskSpec } from '../schemas.js';

export const updateTaskDefinition = defineAction({
  name: 'update_task_definition',
  summary: "Replaces one task definition (same key, or renamed: its transitions follow): publishes the next version of its workflow, checked as a whole. Running tickets keep the version they started with.",
  roles: ['workflow_creator'],
  worker: 'workflows',
  access: { ids: { id: 'task_definition' }, owner: 'tenant' },
  input: z.strictObject({ id: Id, task: TaskSpec }),
  example: { id: 1, task: { key: 'review', title: 'Review the request', type: 'FORM', start: true, output_schema: { type: 'object', properties: { ok: { type: 'boolean' } } } } },
  async handler(input, ctx) {
    const def = await loadTaskDef(ctx, ctx.tenantId, input.id);
    const { key, spec } = await specOf(ctx, ctx.tenantId, def.workflow_definition_id);
    const rename = (k: string) => (k === def.task_key ? input.task.key : k);
    const next = {
      ...spec,
      tasks: spec.tasks.map((t) => (t.key === def.task_key ? input.task : t)),
      transitions: (spec.transitions ?? []).map((tr) => ({ ...tr, from: rename(tr.from), to: rename(tr.to) })),
    };
    refuse(workflowIssues(next), 'workflow definition');
    return loadWorkflow(ctx, ctx.tenantId, await publishWorkflow(ctx, ctx.tenantId, actorId(ctx.actor), next, key));
  },
});
