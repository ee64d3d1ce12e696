import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { AppError } from '../../../core/errors.js';
import { loadTaskDef } from '../definitions.js';
import { assignTask, lockTask, TASK_WORKER } from '../engine.js';
import { Id } from '../schemas.js';
import { taskById } from '../views.js';

export const reassignWorkflowTask = defineAction({
  name: 'reassign_workflow_task',
  summary:
    'Gives a FORM task that is not finished to `user_id` (an active task worker of the company), or without it to the available worker with the shortest list other than the current assignee (NOTHING_AVAILABLE when there is none).',
  roles: ['ticket_admin'],
  worker: 'workflows',
  access: { ids: { id: 'task_instance' }, owner: 'tenant' },
  input: z.strictObject({ id: Id, user_id: Id.optional() }),
  example: { id: 1 },
  async handler(input, ctx) {
    const { ti } = await lockTask(ctx, input.id);
    const def = await loadTaskDef(ctx, ctx.tenantId, ti.taskDefinitionId);
    if (def.task_type !== 'FORM') throw new AppError('CONFLICT', `Task instance ${ti.id} is a ${def.task_type}: only FORM tasks have assignees.`);
    if (input.user_id !== undefined) {
      const [u] = await ctx.sql('select 1 from app_user where id = ? and tenant_id = ? and role = ? and status = ?', [input.user_id, ctx.tenantId, TASK_WORKER, 'active']);
      if (!u) throw new AppError('VALIDATION_FAILED', `User ${input.user_id} is not an active task worker of this company.`, { issues: [{ path: 'user_id', message: 'not an active task worker of this company' }] });
    }
    const done = await assignTask(ctx, ti, input.user_id !== undefined ? { to: input.user_id } : ti.assignedTo != null ? { exclude: ti.assignedTo } : {});
    if (!done) throw new AppError('NOTHING_AVAILABLE', 'No other task worker is available.');
    await ctx.em.flush();
    return taskById(ctx, ctx.tenantId, ti.id);
  },
});
