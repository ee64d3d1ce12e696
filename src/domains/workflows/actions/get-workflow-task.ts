import { defineAction } from '../../../core/define-action.js';
import { AppError } from '../../../core/errors.js';
import { TICKET_ADMIN } from '../engine.js';
import { me } from '../rules.js';
import { ById } from '../schemas.js';
import { taskById } from '../views.js';

export const getWorkflowTask = defineAction({
  name: 'get_workflow_task',
  summary: 'One task instance: status, input, output, error, assignee, and its definition\'s schemas and layouts. A task worker reads only tasks assigned to them.',
  roles: ['task_worker', 'ticket_admin'],
  worker: 'workflows',
  access: { ids: { id: 'task_instance' }, owner: 'owner', anyOwner: ['ticket_admin'] },
  input: ById,
  example: { id: 1 },
  async handler(input, ctx) {
    const task = await taskById(ctx, ctx.tenantId, input.id);
    if (ctx.actor.kind === 'user' && ctx.actor.role !== TICKET_ADMIN && task.assignedTo !== me(ctx)) throw new AppError('NOT_FOUND', `No task instance ${input.id}.`);
    return task;
  },
});
