import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { actorId } from '../../../core/roles.js';
import { Document } from '../entities.js';
import { announceCreated, assertCustomer, itemView } from '../rules.js';
import { Id, Level } from '../schemas.js';

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
