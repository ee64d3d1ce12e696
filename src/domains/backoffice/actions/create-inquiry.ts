import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { actorId } from '../../../core/roles.js';
import { Inquiry } from '../entities.js';
import { announceCreated, assertCustomer, itemView } from '../rules.js';
import { Id, Level } from '../schemas.js';

export const createInquiry = defineAction({
  name: 'create_inquiry',
  summary: 'Records a customer inquiry; Service at or above `level` (default 1) answers it.',
  roles: ['admin'],
  worker: 'admin',
  input: z.strictObject({ cid: Id, problem: z.string().min(1).max(20_000), level: Level.optional() }),
  example: { cid: 1, problem: 'My card was charged twice.', level: 1 },
  async handler(input, ctx) {
    await assertCustomer(ctx, input.cid);
    const inquiry = ctx.em.create(Inquiry, { tenantId: ctx.tenantId, customerId: input.cid, problem: input.problem, level: input.level ?? 1, status: 'open', createdBy: actorId(ctx.actor) });
    await ctx.em.flush();
    announceCreated(ctx, 'inquiry', inquiry);
    return itemView('inquiry', inquiry);
  },
});
