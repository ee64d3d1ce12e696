import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { AppError } from '../../../core/errors.js';
import { loadTaskDef, refuse } from '../definitions.js';
import { completeTask, lockTask } from '../engine.js';
import { dataIssues } from '../logic.js';
import { assertAssignee } from '../rules.js';
import { Id } from '../schemas.js';
import { taskById } from '../views.js';

export const completeWorkflowTask = defineAction({
  name: 'complete_workflow_task',
  summary:
    "Completes a FORM task assigned to you with `output`, checked against the task's output schema (VALIDATION_FAILED names each bad field). The output is merged into the workflow data and the workflow moves on: the highest-priority transition whose condition holds, COMPLETED when there is none, ON_HOLD when none holds.",
  roles: ['task_worker'],
  worker: 'workflows',
  access: { ids: { id: 'task_instance' }, owner: 'worker', workers: { task_instance: ['task_worker'] } },
  input: z.strictObject({ id: Id, output: z.record(z.string(), z.unknown()) }),
  example: { id: 1, output: { approved: true, comment: 'Within budget' } },
  async handler(input, ctx) {
    const { ti, wi } = await lockTask(ctx, input.id);
    assertAssignee(ctx, ti);
    const def = await loadTaskDef(ctx, ctx.tenantId, ti.taskDefinitionId);
    if (def.task_type !== 'FORM') throw new AppError('CONFLICT', `Task instance ${ti.id} is a ${def.task_type}: bureau completes it.`);
    refuse(dataIssues(def.output_schema, input.output, 'output'), 'output');
    await completeTask(ctx, wi, ti, input.output);
    await ctx.em.flush();
    return taskById(ctx, ctx.tenantId, ti.id);
  },
});
