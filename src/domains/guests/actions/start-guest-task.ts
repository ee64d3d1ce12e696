import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { operate } from '../rules.js';
import { Id, ON_A_TASK, PEOPLE } from '../schemas.js';
import { dashboardView } from '../views.js';

export const startGuestTask = defineAction({
  name: 'start_guest_task',
  summary: 'A guest or host starts one of their unlocked tasks (`Start` -> `In progress`). A locked task is INVALID_TRANSITION with `details.blockingTaskId`, the task to complete first. Returns the dashboard.',
  roles: PEOPLE,
  access: ON_A_TASK,
  worker: 'guests',
  input: z.strictObject({ task_id: Id }),
  example: { task_id: 1 },
  async handler(input, ctx) {
    const { person } = await operate(ctx, input.task_id, 'start');
    return dashboardView(ctx, person);
  },
});
