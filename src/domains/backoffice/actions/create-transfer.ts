import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { actorId } from '../../../core/roles.js';
import { Transfer } from '../entities.js';
import { toCents } from '../money.js';
import { announceCreated, assertCustomer, itemView } from '../rules.js';
import { Amount, Id, Level } from '../schemas.js';

export const createTransfer = defineAction({
  name: 'create_transfer',
  summary: 'Creates a pending transfer for a customer; `amount` is a number or decimal string with at most two decimals, stored as integer cents.',
  roles: ['admin'],
  worker: 'admin',
  input: z.strictObject({ cid: Id, amount: Amount, level: Level.optional() }),
  example: { cid: 1, amount: '1250.00', level: 2 },
  async handler(input, ctx) {
    await assertCustomer(ctx, input.cid);
    const amountCents = toCents(input.amount)!; // the schema lets only valid amounts through
    const transfer = ctx.em.create(Transfer, { tenantId: ctx.tenantId, customerId: input.cid, amountCents, level: input.level ?? 1, status: 'pending', createdBy: actorId(ctx.actor) });
    await ctx.em.flush();
    announceCreated(ctx, 'transfer', transfer);
    return itemView('transfer', transfer);
  },
});
