import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { MAX_LEVEL } from '../../../core/roles.js';
import { Document, type IDocument } from '../entities.js';
import { itemView, ITEM_SPECS } from '../rules.js';
import { ItemTypeSchema } from '../schemas.js';

export const listQueue = defineAction({
  name: 'list_queue',
  summary: 'Lists the items of `type` waiting or being worked at or below your level (your review queue), oldest first.',
  roles: ['admin', 'compliance', 'service'],
  worker: 'caller',
  access: { ids: {}, owner: 'tenant' },
  input: z.strictObject({ type: ItemTypeSchema, limit: z.number().int().min(1).max(200).optional() }),
  example: { type: 'document', limit: 50 },
  async handler(input, ctx) {
    const level = ctx.actor.kind === 'user' ? ctx.actor.level : MAX_LEVEL;
    const open = input.type === 'inquiry' ? ['open', 'in_progress', 'answered'] : ['pending', 'in_review'];
    const rows = await ctx.em.find(ITEM_SPECS[input.type].entity as typeof Document, { tenantId: ctx.tenantId, status: { $in: open as IDocument['status'][] }, level: { $lte: level } }, { orderBy: { id: 'asc' }, limit: input.limit ?? 50 });
    return { type: input.type, items: rows.map((item) => itemView(input.type, item)) };
  },
});
