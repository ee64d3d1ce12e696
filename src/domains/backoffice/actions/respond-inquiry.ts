import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { fire } from '../../../core/state-machine.js';
import { inquiryMachine } from '../machines.js';
import { type Level as LevelNumber } from '../../../core/roles.js';
import { assertMayWork, itemView, loadItem } from '../rules.js';
import { Id } from '../schemas.js';

export const respondInquiry = defineAction({
  name: 'respond_inquiry',
  summary: 'Answers an inquiry at or below your level; `closed: true` also closes it.',
  roles: ['service'],
  worker: 'service',
  input: z.strictObject({ id: Id, answer: z.string().min(1).max(20_000), closed: z.boolean() }),
  example: { id: 1, answer: 'Refunded the duplicate charge.', closed: true },
  async handler(input, ctx) {
    const item = await loadItem(ctx, 'inquiry', input.id);
    assertMayWork(ctx.actor, 'inquiry', item);
    fire(ctx, inquiryMachine, item as { id: number; status: 'open' | 'in_progress' | 'answered' | 'closed' }, input.closed ? 'close' : 'answer');
    Object.assign(item, { answer: input.answer, decidedBy: ctx.actor.kind === 'user' ? ctx.actor.id : null });
    // An answered inquiry stays in the queue (it may be answered again or closed); a closed one leaves it.
    ctx.notify({ role: 'service', minLevel: item.level as LevelNumber }, { type: input.closed ? 'queue.item_removed' : 'queue.item_updated', item: { type: 'inquiry', id: item.id, status: item.status } });
    return itemView('inquiry', item);
  },
});
