import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { AppError } from '../../../core/errors.js';
import { actorId } from '../../../core/roles.js';
import { loadWorkflow, publishWorkflow, refuse, specOf, workflowIssues } from '../definitions.js';
import { Id, TaskSpec, TransitionSpec } from '../schemas.js';

export const createTaskDefinition = defineAction({
  name: 'create_task_definition',
  summary: 'Adds a task (and optionally transitions to or from it) to a workflow: publishes the next version of the workflow `workflow_id` belongs to, checked as a whole like an upload.',
  roles: ['workflow_creator'],
  worker: 'workflows',
  access: { ids: { workflow_id: 'workflow_definition' }, owner: 'tenant' },
  input: z.strictObject({ workflow_id: Id, task: TaskSpec, transitions: z.array(TransitionSpec).max(100).optional() }),
  example: {
    workflow_id: 1,
    task: { key: 'notify', title: 'Tell the requester', type: 'FORM', output_schema: { type: 'object' } },
  },
  async handler(input, ctx) {
    const { key, spec } = await specOf(ctx, ctx.tenantId, input.workflow_id);
    if (spec.tasks.some((t) => t.key === input.task.key)) throw new AppError('CONFLICT', `The workflow already has a task "${input.task.key}"; use update_task_definition.`, { field: 'task.key' });
    const next = { ...spec, tasks: [...spec.tasks, input.task], transitions: [...(spec.transitions ?? []), ...(input.transitions ?? [])] };
    refuse(workflowIssues(next), 'workflow definition');
    return loadWorkflow(ctx, ctx.tenantId, await publishWorkflow(ctx, ctx.tenantId, actorId(ctx.actor), next, key));
  },
});
