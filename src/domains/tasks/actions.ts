import { z } from 'zod';
import { defineInlineAction } from '../../core/define-action.js';
import { searchTasks } from './search-tasks.js';

const TaskRef = z.strictObject({ id: z.number().int().positive() });

export const getTaskResult = defineInlineAction({
  name: 'get_task_result',
  summary: 'Returns a task\'s status and result (or error), like `GET /api/v1/tasks/:id`: to its owner and to admins of its tenant.',
  roles: 'signed-in',
  access: { ids: { id: 'task' }, owner: 'owner', anyOwner: ['admin'] },
  input: TaskRef,
  example: { id: 1 },
  handler: (input, ctx) => ctx.web.tasks.get(ctx.actor!, input.id),
});

export const cancelTask = defineInlineAction({
  name: 'cancel_task',
  summary: 'Cancels a task that is still queued; 409 CONFLICT once it is running or finished.',
  roles: 'signed-in',
  access: { ids: { id: 'task' }, owner: 'owner', anyOwner: ['admin'] },
  input: TaskRef,
  example: { id: 1 },
  handler: (input, ctx) => ctx.web.tasks.cancel(ctx.actor!, input.id),
});

export const taskActions = [getTaskResult, cancelTask, searchTasks];
