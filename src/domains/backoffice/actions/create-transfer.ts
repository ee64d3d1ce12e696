import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { toCents } from '../money.js';
import { createItem } from '../rules.js';
import { Amount, Id, Level } from '../schemas.js';

/** A transfer (amount in exact cents) for Compliance to review. */
export const createTransfer = defineAction({
  name: 'create_transfer',
  summary: 'Creates a pending transfer for a customer; `amount` is a number or decimal string with at most two decimals, stored as integer cents.',
  roles: ['admin'],
  worker: 'admin',
  creates: 'transfer',
  access: { ids: { cid: 'customer' }, owner: 'tenant' },
  input: z.strictObject({ cid: Id, amount: Amount, level: Level.optional() }),
  example: { cid: 1, amount: '1250.00', level: 2 },
  // The schema lets only valid amounts through, so toCents cannot fail here.
  handler: (input, ctx) => createItem(ctx, 'transfer', input.cid, input.level ?? 1, { amountCents: toCents(input.amount)! }),
});
