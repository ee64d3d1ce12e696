import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { fire } from '../../../core/state-machine.js';
import { inquiryMachine } from '../machines.js';
import { MAX_LEVEL, type Level as LevelNumber } from '../../../core/roles.js';
import { Document, type IDocument } from '../entities.js';
import { assertMayWork, escalate, itemView, KINDS, loadItem, review, takeItem } from '../rules.js';
import { Id, ItemTypeSchema, Level } from '../schemas.js';

const Review = z.strictObject({ id: Id, approved: z.boolean(), reason: z.string().max(2000).optional() });

export const reviewDocument = defineAction({
  name: 'review_document',
  summary: 'Approves or rejects a document at or below your level. You may not approve one you escalated (four eyes).',
  roles: ['compliance'],
  worker: 'compliance',
  input: Review,
  example: { id: 1, approved: true },
  handler: (input, ctx) => review(ctx, 'document', input.id, input.approved, input.reason),
});

export const reviewTransfer = defineAction({
  name: 'review_transfer',
  summary: 'Approves or rejects a transfer at or below your level. You may not approve one you escalated (four eyes).',
  roles: ['compliance'],
  worker: 'compliance',
  input: Review,
  example: { id: 1, approved: false, reason: 'Beneficiary not verified' },
  handler: (input, ctx) => review(ctx, 'transfer', input.id, input.approved, input.reason),
});

export const getTask = defineAction({
  name: 'get_task',
  summary: 'Takes an item of `type` for you to work: the one with `id`, or without `id` the next one waiting at or below your level. Documents and transfers are for Compliance, inquiries for Service.',
  roles: ['compliance', 'service'],
  worker: 'caller',
  input: z.strictObject({ id: Id.optional(), type: ItemTypeSchema }),
  example: { id: 1, type: 'document' },
  handler: (input, ctx) => takeItem(ctx, input.type, input.id),
});

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

const EscalationLevel = z.number().int().min(1).describe('The new required level: above the current one, and at most 3 (otherwise LEVEL_NOT_RAISED).');

export const escalateTask = defineAction({
  name: 'escalate_task',
  summary: 'Raises the level an item needs (never lowers it; 3 is the top) and puts it back in the queue for that level. Recorded in its history.',
  roles: ['admin', 'compliance', 'service'],
  worker: 'caller',
  // Any level from 1: one above 3 reaches the handler and fails LEVEL_NOT_RAISED ("3 is the top"), like one not above the current level.
  input: z.strictObject({ id: Id, type: ItemTypeSchema, level: EscalationLevel, reason: z.string().max(2000).optional() }),
  example: { id: 1, type: 'transfer', level: 2, reason: 'Amount above my limit' },
  handler: (input, ctx) => escalate(ctx, input.type, input.id, input.level, input.reason),
});

export const listQueue = defineAction({
  name: 'list_queue',
  summary: 'Lists the items of `type` waiting or being worked at or below your level (your review queue), oldest first.',
  roles: ['admin', 'compliance', 'service'],
  worker: 'caller',
  input: z.strictObject({ type: ItemTypeSchema, limit: z.number().int().min(1).max(200).optional() }),
  example: { type: 'document', limit: 50 },
  async handler(input, ctx) {
    const level = ctx.actor.kind === 'user' ? ctx.actor.level : MAX_LEVEL;
    const open = input.type === 'inquiry' ? ['open', 'in_progress', 'answered'] : ['pending', 'in_review'];
    const rows = await ctx.em.find(KINDS[input.type].entity as typeof Document, { tenantId: ctx.tenantId, status: { $in: open as IDocument['status'][] }, level: { $lte: level } }, { orderBy: { id: 'asc' }, limit: input.limit ?? 50 });
    return { type: input.type, items: rows.map((item) => itemView(input.type, item)) };
  },
});

export const slaEscalate = defineAction({
  name: 'sla_escalate',
  summary: 'Timer: escalates an item still waiting, untaken, at the level it had when the timer was set. Run by the system only.',
  roles: [],
  worker: 'system',
  internal: true,
  input: z.strictObject({ type: ItemTypeSchema, id: Id, level: Level }),
  example: { type: 'document', id: 1, level: 1 },
  async handler(input, ctx) {
    const item = await loadItem(ctx, input.type, input.id);
    const waiting = input.type === 'inquiry' ? 'open' : 'pending';
    if (item.status !== waiting || item.level !== input.level) return { escalated: false, reason: 'taken, decided or already escalated' };
    if (item.level >= 3) return { escalated: false, reason: 'already at the top level' };
    await escalate(ctx, input.type, input.id, item.level + 1, `SLA: untaken for ${duration(ctx.config.slaMs[input.level as LevelNumber])} at level ${input.level}`);
    return { escalated: true, level: input.level + 1 };
  },
});

/** "4 h", "90 min", "0.3 s": an SLA as people read it in the history. */
function duration(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms >= 60_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 100) / 10} s`;
}
