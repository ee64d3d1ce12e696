import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { checkAnswers, questionsOf, storeAnswers } from '../answers.js';
import { loadTask, MORE_INFO, operate, tellCoordinator } from '../rules.js';
import { Id, ON_A_TASK, PEOPLE } from '../schemas.js';
import { applicationView } from '../views.js';

export const saveGuestAnswers = defineAction({
  name: 'save_guest_answers',
  summary:
    "The seed's update_app: stores answers (question key -> value; null clears one), each checked against its question's type and options (VALIDATION_FAILED naming the question); the task goes `In progress`. Answering a task that was `More information is needed` tells the coordinator (feed notice + email). Returns the application.",
  roles: PEOPLE,
  access: ON_A_TASK,
  worker: 'guests',
  input: z.strictObject({ task_id: Id, answers: z.record(z.string().max(63), z.unknown()).describe('question key -> value (string, boolean, number, or a list for multiple_choice; null clears)') }),
  example: { task_id: 1, answers: { full_name: 'Ada Lovelace' } },
  async handler(input, ctx) {
    const { definitionId } = await loadTask(ctx, input.task_id);
    const questions = await questionsOf(ctx, definitionId);
    checkAnswers(questions, input.answers);
    const { person, before, settled } = await operate(ctx, input.task_id, 'save', { data: { answered: Object.keys(input.answers) } });
    await storeAnswers(ctx, person.userId, questions, input.answers);
    await tellCoordinator(ctx, person, settled, before === MORE_INFO ? { taskId: input.task_id } : null);
    return applicationView(ctx, person, input.task_id, definitionId);
  },
});
