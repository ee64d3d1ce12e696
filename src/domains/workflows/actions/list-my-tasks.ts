import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { OPEN_TASK, TASK_STATUSES } from '../machines.js';
import { me } from '../rules.js';
import { listTasks } from '../views.js';

export const listMyTasks = defineAction({
  name: 'list_my_tasks',
  summary: 'Lists the task instances assigned to you (open ones unless `status` says otherwise), each with its input and the schemas and layout its form is generated from.',
  roles: ['task_worker'],
  worker: 'workflows',
  access: { ids: {}, owner: 'tenant' },
  input: z.strictObject({ status: z.array(z.enum(TASK_STATUSES)).min(1).optional(), limit: z.number().int().min(1).max(500).optional() }),
  example: { status: ['OPEN', 'IN_PROGRESS'] },
  handler: async (input, ctx) => ({ tasks: await listTasks(ctx, ctx.tenantId, { assignedTo: me(ctx), status: input.status ?? OPEN_TASK, limit: input.limit }) }),
});
