import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { TASK_STATUSES } from '../machines.js';
import { Id } from '../schemas.js';
import { listTasks } from '../views.js';

export const listWorkflowTasks = defineAction({
  name: 'list_workflow_tasks',
  summary: "Lists the company's task instances, newest first, filtered by `status`, `assigned_to` or `task_type`.",
  roles: ['ticket_admin'],
  worker: 'workflows',
  access: { ids: {}, owner: 'tenant' },
  input: z.strictObject({
    status: z.array(z.enum(TASK_STATUSES)).min(1).optional(),
    assigned_to: Id.optional(),
    task_type: z.enum(['FORM', 'SYNC_ACTION', 'ASYNC_ACTION']).optional(),
    limit: z.number().int().min(1).max(500).optional(),
  }),
  example: { status: ['ERROR', 'PENDING'] },
  handler: async (input, ctx) => ({ tasks: await listTasks(ctx, ctx.tenantId, { status: input.status, assignedTo: input.assigned_to, taskType: input.task_type, limit: input.limit }) }),
});
