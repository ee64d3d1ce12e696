import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { createItem } from '../rules.js';
import { Id, Level } from '../schemas.js';

/** A document for Compliance to review at `level` (default 1). */
export const createDocument = defineAction({
  name: 'create_document',
  summary: 'Creates a document for a customer; Compliance at or above `level` (default 1) reviews it.',
  roles: ['admin'],
  worker: 'admin',
  creates: 'document',
  access: { ids: { cid: 'customer' }, owner: 'tenant' },
  input: z.strictObject({ cid: Id, content: z.string().min(1).max(100_000), level: Level.optional() }),
  example: { cid: 1, content: 'Passport scan, page 2', level: 1 },
  handler: (input, ctx) => createItem(ctx, 'document', input.cid, input.level ?? 1, { content: input.content }),
});
