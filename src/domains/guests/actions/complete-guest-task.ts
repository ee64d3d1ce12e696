import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { assertRequiredAnswered, questionsOf } from '../answers.js';
import { loadTask, operate, tellCoordinator } from '../rules.js';
import { Id, ON_A_TASK, PEOPLE } from '../schemas.js';
import { dashboardView } from '../views.js';

export const completeGuestTask = defineAction({
  name: 'complete_guest_task',
  summary:
    'A guest or host completes a task (`Start` or `In progress` -> `Complete`), which unlocks the next task, or the next group when it was the last; refused with VALIDATION_FAILED while a required question has no answer. The coordinator is told when a group completes. Returns the dashboard.',
  roles: PEOPLE,
  access: ON_A_TASK,
  worker: 'guests',
  input: z.strictObject({ task_id: Id }),
  example: { task_id: 1 },
  async handler(input, ctx) {
    const { person, definitionId } = await loadTask(ctx, input.task_id);
    const result = await operate(ctx, input.task_id, 'complete');
    await assertRequiredAnswered(ctx, person.userId, await questionsOf(ctx, definitionId));
    result.task.infoRequest = null;
    await tellCoordinator(ctx, person, result.settled, null);
    return dashboardView(ctx, person);
  },
});
