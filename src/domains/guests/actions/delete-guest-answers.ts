import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { questionsOf } from '../answers.js';
import { loadTask, operate } from '../rules.js';
import { EVERYONE, Id, ON_A_TASK } from '../schemas.js';
import { dashboardView } from '../views.js';

export const deleteGuestAnswers = defineAction({
  name: 'delete_guest_answers',
  summary:
    "Deletes a person's answers to one task of their current group; the task goes back to `Start`, and every later task of the group locks again (their answers are kept). A task of a `Complete` group is frozen: INVALID_TRANSITION. Returns the dashboard.",
  roles: EVERYONE,
  access: ON_A_TASK,
  worker: 'guests',
  input: z.strictObject({ task_id: Id }),
  example: { task_id: 1 },
  async handler(input, ctx) {
    const { definitionId } = await loadTask(ctx, input.task_id);
    const { person, task } = await operate(ctx, input.task_id, 'delete_answers');
    task.infoRequest = null;
    const ids = (await questionsOf(ctx, definitionId)).map((q) => q.id);
    if (ids.length) await ctx.sql(`delete from guest_response where user_id = ? and question_id = any(?::int[])`, [person.userId, `{${ids.join(',')}}`]);
    await ctx.em.flush();
    return dashboardView(ctx, person);
  },
});
