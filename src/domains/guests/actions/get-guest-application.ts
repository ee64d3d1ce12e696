import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { AppError } from '../../../core/errors.js';
import { loadTask } from '../rules.js';
import { EVERYONE, Id, ON_A_TASK } from '../schemas.js';
import { applicationView } from '../views.js';

export const getGuestApplication = defineAction({
  name: 'get_guest_application',
  summary:
    "The seed's get_app: a task's questions in order, each with its response type, required flag, options and the person's stored response (null when unanswered). `guest_id`, when given, must be the task's person.",
  roles: EVERYONE,
  access: ON_A_TASK,
  worker: 'guests',
  input: z.strictObject({ task_id: Id, guest_id: Id.optional() }),
  example: { task_id: 1 },
  async handler(input, ctx) {
    const { person, definitionId } = await loadTask(ctx, input.task_id);
    if (input.guest_id !== undefined && input.guest_id !== person.userId) throw new AppError('NOT_FOUND', `No guest task ${input.task_id} of guest ${input.guest_id}.`);
    return applicationView(ctx, person, input.task_id, definitionId);
  },
});
