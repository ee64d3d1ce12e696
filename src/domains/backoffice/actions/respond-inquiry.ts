import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { ITEM_WORKERS, respond } from '../rules.js';
import { Id } from '../schemas.js';

export const respondInquiry = defineAction({
  name: 'respond_inquiry',
  summary: 'Answers an inquiry at or below your level; `closed: true` also closes it.',
  roles: ['service'],
  worker: 'service',
  access: { ids: { id: 'inquiry' }, owner: 'worker', workers: ITEM_WORKERS },
  input: z.strictObject({ id: Id, answer: z.string().min(1).max(20_000), closed: z.boolean() }),
  example: { id: 1, answer: 'Refunded the duplicate charge.', closed: true },
  handler: (input, ctx) => respond(ctx, input.id, input.answer, input.closed),
});
