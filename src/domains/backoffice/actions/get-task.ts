import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { ITEM_WORKERS, takeItem } from '../rules.js';
import { Id, ItemTypeSchema } from '../schemas.js';

export const getTask = defineAction({
  name: 'get_task',
  summary: 'Takes an item of `type` for you to work: the one with `id`, or without `id` the next one waiting at or below your level. Documents and transfers are for Compliance, inquiries for Service.',
  roles: ['compliance', 'service'],
  worker: 'caller',
  access: { ids: { id: { kindFrom: 'type' } }, owner: 'worker', workers: ITEM_WORKERS },
  input: z.strictObject({ id: Id.optional(), type: ItemTypeSchema }),
  example: { id: 1, type: 'document' },
  handler: (input, ctx) => takeItem(ctx, input.type, input.id),
});
