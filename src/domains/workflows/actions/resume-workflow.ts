import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { AppError } from '../../../core/errors.js';
import { fire } from '../../../core/state-machine.js';
import { lockWorkflow, route } from '../engine.js';
import { workflowInstanceMachine } from '../machines.js';
import { Id } from '../schemas.js';
import { ticketDetail } from '../views.js';

export const resumeWorkflow = defineAction({
  name: 'resume_workflow',
  summary:
    "Resumes the ON_HOLD workflow of ticket `ticket_id`: merges `data` into the workflow data (to correct it), then routes again from the task that completed. If still no condition holds, it goes back ON_HOLD with a new event.",
  roles: ['ticket_admin'],
  worker: 'workflows',
  access: { ids: { ticket_id: 'ticket_instance' }, owner: 'tenant' },
  input: z.strictObject({ ticket_id: Id, data: z.record(z.string(), z.unknown()).optional() }),
  example: { ticket_id: 1, data: { amount: 900 } },
  async handler(input, ctx) {
    const [t] = await ctx.sql<{ workflow_instance_id: number }>('select workflow_instance_id from ticket_instance where id = ? and tenant_id = ?', [input.ticket_id, ctx.tenantId]);
    if (!t) throw new AppError('NOT_FOUND', `No ticket ${input.ticket_id}.`);
    const wi = await lockWorkflow(ctx, t.workflow_instance_id);
    fire(ctx, workflowInstanceMachine, wi, 'resume', { data: input.data ? { changed: Object.keys(input.data) } : undefined });
    if (input.data) wi.data = { ...wi.data, ...input.data };
    wi.holdReason = null;
    await ctx.em.flush();
    await route(ctx, wi, wi.currentTaskId!);
    await ctx.em.flush();
    return ticketDetail(ctx, ctx.tenantId, input.ticket_id);
  },
});
