import { defineAction } from '../../../core/define-action.js';
import { fire } from '../../../core/state-machine.js';
import { AppError } from '../../../core/errors.js';
import { loadTaskDef } from '../definitions.js';
import { dispatch, lockTask } from '../engine.js';
import { taskInstanceMachine, workflowInstanceMachine } from '../machines.js';
import { ById } from '../schemas.js';
import { taskById } from '../views.js';

export const retryWorkflowTask = defineAction({
  name: 'retry_workflow_task',
  summary: 'Runs a task in ERROR again, as a new attempt (an action task calls out again; a FORM task is assigned again). Its workflow must still be in progress.',
  roles: ['ticket_admin'],
  worker: 'workflows',
  access: { ids: { id: 'task_instance' }, owner: 'tenant' },
  input: ById,
  example: { id: 1 },
  async handler(input, ctx) {
    const { ti, wi } = await lockTask(ctx, input.id);
    if (wi.status !== workflowInstanceMachine.events.start.to) throw new AppError('INVALID_TRANSITION', `The workflow of task instance ${ti.id} is ${wi.status}.`, { workflowStatus: wi.status });
    fire(ctx, taskInstanceMachine, ti, 'retry', { data: { attempt: ti.attempt + 1 } });
    ti.attempt += 1;
    ti.error = null;
    ti.completedAt = null;
    ti.startedAt = null;
    ti.deadlineAt = null;
    ti.assignedTo = null;
    await ctx.em.flush();
    await dispatch(ctx, wi, ti, await loadTaskDef(ctx, ctx.tenantId, ti.taskDefinitionId));
    await ctx.em.flush();
    return taskById(ctx, ctx.tenantId, ti.id);
  },
});
