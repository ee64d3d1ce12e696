import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import type { ActionContext } from '../../../core/context.js';
import { AppError } from '../../../core/errors.js';
import { actorId } from '../../../core/roles.js';
import { Customer, Document, Inquiry, Transfer } from '../entities.js';
import { toCents } from '../money.js';
import { announceCreated, itemView } from '../rules.js';
import { Amount, Id, Level } from '../schemas.js';

async function assertCustomer(ctx: ActionContext, cid: number): Promise<void> {
  if (!(await ctx.em.count(Customer, { id: cid, tenantId: ctx.tenantId }))) throw new AppError('NOT_FOUND', `No customer ${cid}.`, { field: 'cid' });
}

/** A document for Compliance to review at `level` (default 1). */
export const createDocument = defineAction({
  name: 'create_document',
  summary: 'Creates a document for a customer; Compliance at or above `level` (default 1) reviews it.',
  roles: ['admin'],
  worker: 'admin',
  input: z.strictObject({ cid: Id, content: z.string().min(1).max(100_000), level: Level.optional() }),
  example: { cid: 1, content: 'Passport scan, page 2', level: 1 },
  async handler(input, ctx) {
    await assertCustomer(ctx, input.cid);
    const doc = ctx.em.create(Document, { tenantId: ctx.tenantId, customerId: input.cid, content: input.content, level: input.level ?? 1, status: 'pending', createdBy: actorId(ctx.actor) });
    await ctx.em.flush();
    announceCreated(ctx, 'document', doc);
    return itemView('document', doc);
  },
});

/** A transfer (amount in exact cents) for Compliance to review. */
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

/** A customer's problem for Service to answer. */
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
