import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { createItem } from '../rules.js';
import { Id, Level } from '../schemas.js';

/** A customer's problem for Service to answer. */
export const createInquiry = defineAction({
  name: 'create_inquiry',
  summary: 'Records a customer inquiry; Service at or above `level` (default 1) answers it.',
  roles: ['admin'],
  worker: 'admin',
  creates: 'inquiry',
  access: { ids: { cid: 'customer' }, owner: 'tenant' },
  input: z.strictObject({ cid: Id, problem: z.string().min(1).max(20_000), level: Level.optional() }),
  example: { cid: 1, problem: 'My card was charged twice.', level: 1 },
  handler: (input, ctx) => createItem(ctx, 'inquiry', input.cid, input.level ?? 1, { problem: input.problem }),
});
