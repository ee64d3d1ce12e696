import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { escalate, ITEM_WORKERS } from '../rules.js';
import { Id, ItemTypeSchema } from '../schemas.js';

const EscalationLevel = z.number().int().min(1).describe('The new required level: above the current one, and at most 3 (otherwise LEVEL_NOT_RAISED).');

export const escalateTask = defineAction({
  name: 'escalate_task',
  summary: 'Raises the level an item needs (never lowers it; 3 is the top) and puts it back in the queue for that level. Recorded in its history.',
  roles: ['admin', 'compliance', 'service'],
  worker: 'caller',
  access: { ids: { id: { kindFrom: 'type' } }, owner: 'worker', workers: ITEM_WORKERS, anyWorker: ['admin'] },
  // Any level from 1: one above 3 reaches the handler and fails LEVEL_NOT_RAISED ("3 is the top"), like one not above the current level.
  input: z.strictObject({ id: Id, type: ItemTypeSchema, level: EscalationLevel, reason: z.string().max(2000).optional() }),
  example: { id: 1, type: 'transfer', level: 2, reason: 'Amount above my limit' },
  handler: (input, ctx) => escalate(ctx, input.type, input.id, input.level, input.reason),
});
