import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { operate, taskTitle, tell } from '../rules.js';
import { Id, ON_A_TASK } from '../schemas.js';
import { dashboardView } from '../views.js';

export const requestGuestInformation = defineAction({
  name: 'request_guest_information',
  summary:
    "A coordinator (or the provider admin) asks a guest for more information on a task of their current group: the task goes `More information is needed` (and so does its group; later tasks of the group lock again until it is complete). The guest gets a feed notice and an email. Returns the guest's dashboard.",
  roles: ['coordinator', 'admin'],
  access: ON_A_TASK,
  worker: 'guests',
  input: z.strictObject({ task_id: Id, message: z.string().trim().min(1).max(2000) }),
  example: { task_id: 1, message: 'Please tell us more about your current housing.' },
  async handler(input, ctx) {
    const { person, task } = await operate(ctx, input.task_id, 'request', { reason: input.message });
    task.infoRequest = input.message;
    const title = await taskTitle(ctx, input.task_id);
    tell(
      ctx,
      person.userId,
      { type: 'guest.information_requested', item: { type: 'guest_task', id: input.task_id }, task: title, message: input.message },
      { subject: `More information is needed: ${title}`, text: `Your coordinator asks for more information on "${title}":\n\n${input.message}\n\nOpen your dashboard to answer.` },
    );
    await ctx.em.flush();
    return dashboardView(ctx, person);
  },
});
