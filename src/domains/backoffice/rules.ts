import { LockMode } from '@mikro-orm/core';
import type { ActionContext } from '../../core/context.js';
import { AppError } from '../../core/errors.js';
import { actorId, MAX_LEVEL, type Actor, type Level, type Role } from '../../core/roles.js';
import { fire, type Machine } from '../../core/state-machine.js';
import { Customer, Document, Inquiry, Transfer, type IDocument, type IInquiry, type ITransfer } from './entities.js';
import { documentMachine, inquiryMachine, transferMachine, type InquiryStatus } from './machines.js';
import { formatCents } from './money.js';

export const ITEM_TYPES = ['document', 'transfer', 'inquiry'] as const;
export type ItemType = (typeof ITEM_TYPES)[number];
type Item = IDocument | ITransfer | IInquiry;

interface ItemTypeSpec {
  entity: typeof Document | typeof Transfer | typeof Inquiry;
  // The machines share their event names; one loose type keeps the rules generic.
  machine: Machine<string, 'create' | 'take' | 'escalate' | string>;
  /** Who works items of this type. */
  role: Role;
  /** Statuses in which the item waits in the queue, untaken. */
  waiting: string;
  working: string;
}

export const ITEM_SPECS: Record<ItemType, ItemTypeSpec> = {
  document: { entity: Document, machine: documentMachine, role: 'compliance', waiting: 'pending', working: 'in_review' },
  transfer: { entity: Transfer, machine: transferMachine, role: 'compliance', waiting: 'pending', working: 'in_review' },
  inquiry: { entity: Inquiry, machine: inquiryMachine, role: 'service', waiting: 'open', working: 'in_progress' },
};

/** Who works each item type: `access.workers` of the actions that take or decide items. */
export const ITEM_WORKERS: Record<ItemType, readonly Role[]> = { document: [ITEM_SPECS.document.role], transfer: [ITEM_SPECS.transfer.role], inquiry: [ITEM_SPECS.inquiry.role] };

export function itemView(type: ItemType, item: Item) {
  const base = {
    type,
    id: item.id,
    customerId: item.customerId,
    level: item.level,
    status: item.status,
    takenBy: item.takenBy ?? null,
    decidedBy: item.decidedBy ?? null,
    createdBy: item.createdBy ?? null,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
  };
  if ('amountCents' in item) return { ...base, amount: formatCents(item.amountCents), amountCents: item.amountCents };
  if ('problem' in item) return { ...base, problem: item.problem, answer: item.answer ?? null };
  return { ...base, content: (item as IDocument).content };
}

/** An item of the caller's tenant, row-locked for the rest of the transaction; 404 otherwise. */
export async function loadItem(ctx: ActionContext, type: ItemType, id: number, lock = true): Promise<Item> {
  const item = (await ctx.em.findOne(ITEM_SPECS[type].entity as typeof Document, { id, tenantId: ctx.tenantId }, lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {})) as Item | null;
  if (!item) throw new AppError('NOT_FOUND', `No ${type} ${id}.`);
  return item;
}

/** Role and level rules for working an item (taking, reviewing, answering). */
export function assertMayWork(actor: Actor, type: ItemType, item: Item): void {
  if (actor.kind !== 'user') return;
  if (actor.role !== ITEM_SPECS[type].role) throw new AppError('FORBIDDEN', `Only ${ITEM_SPECS[type].role} users work ${type}s.`);
  if (actor.level < item.level) throw new AppError('LEVEL_TOO_LOW', `This ${type} needs level ${item.level}; you are level ${actor.level}.`, { required: item.level, yours: actor.level });
  if (item.takenBy != null && item.takenBy !== actor.id && item.status === ITEM_SPECS[type].working) {
    throw new AppError('TAKEN_BY_OTHER', `This ${type} is being worked by another user.`, { takenBy: item.takenBy });
  }
}

/** Fields an item's create action gives; the rest (tenant, status, creator) are set here. */
type NewItem<T extends ItemType> = T extends 'document' ? { content: string } : T extends 'transfer' ? { amountCents: number } : { problem: string };

/**
 * Creates an item for customer `cid` waiting at `level`: records its creation,
 * announces it to the users who may work it and starts its SLA timer.
 */
export async function createItem<T extends ItemType>(ctx: ActionContext, type: T, cid: number, level: number, fields: NewItem<T>) {
  await assertCustomer(ctx, cid);
  const spec = ITEM_SPECS[type];
  // One create for three entity types: their union is no single shape the ORM can check, hence the casts.
  const item = ctx.em.create(spec.entity as typeof Document, { tenantId: ctx.tenantId, customerId: cid, level, status: spec.waiting, createdBy: actorId(ctx.actor), ...fields } as never) as Item;
  await ctx.em.flush();
  fire(ctx, spec.machine, item, 'create');
  ctx.notify({ role: spec.role, minLevel: item.level as Level }, { type: 'queue.item_added', item: { type, id: item.id, level: item.level } });
  scheduleSla(ctx, type, item);
  return itemView(type, item);
}

export function scheduleSla(ctx: ActionContext, type: ItemType, item: Item): void {
  const level = item.level as Level;
  ctx.enqueue('sla_escalate', { type, id: item.id, level }, { delayMs: ctx.config.slaMs[level], key: `sla:${type}:${item.id}:${level}` });
}

export async function takeItem(ctx: ActionContext, type: ItemType, id: number | undefined) {
  const actor = ctx.actor;
  if (actor.kind === 'user' && actor.role !== ITEM_SPECS[type].role) throw new AppError('FORBIDDEN', `Only ${ITEM_SPECS[type].role} users take ${type}s.`);
  let item: Item;
  if (id !== undefined) {
    item = await loadItem(ctx, type, id);
  } else {
    const level = actor.kind === 'user' ? actor.level : MAX_LEVEL;
    const found = await ctx.sql<{ id: number }>(
      `select id from ${type} where tenant_id = ? and status = ? and level <= ? order by level desc, id limit 1 for update skip locked`,
      [ctx.tenantId, ITEM_SPECS[type].waiting, level],
    );
    if (!found[0]) throw new AppError('NOTHING_AVAILABLE', `No ${type} is waiting for your level.`);
    item = await loadItem(ctx, type, found[0].id);
  }
  assertMayWork(actor, type, item);
  if (item.status === ITEM_SPECS[type].working && item.takenBy === actorId(actor)) return itemView(type, item);
  fire(ctx, ITEM_SPECS[type].machine, item, 'take');
  item.takenBy = actorId(actor);
  ctx.notify({ role: ITEM_SPECS[type].role, minLevel: item.level as Level }, { type: 'queue.item_taken', item: { type, id: item.id, takenBy: item.takenBy } });
  return itemView(type, item);
}

export async function escalate(ctx: ActionContext, type: ItemType, id: number, level: number, reason?: string) {
  const actor = ctx.actor;
  if (actor.kind === 'user' && actor.role !== 'admin' && actor.role !== ITEM_SPECS[type].role) throw new AppError('FORBIDDEN', `Only ${ITEM_SPECS[type].role} users and admins escalate ${type}s.`);
  const item = await loadItem(ctx, type, id);
  // Admins may escalate anything; a reviewer only what they may work (else a junior could push an item out of reach).
  if (actor.kind === 'user' && actor.role !== 'admin') assertMayWork(actor, type, item);
  if (level <= item.level || level > MAX_LEVEL) {
    throw new AppError('LEVEL_NOT_RAISED', `Escalation must raise the level above ${item.level} (at most ${MAX_LEVEL}).`, { current: item.level, requested: level });
  }
  const from = item.level;
  fire(ctx, ITEM_SPECS[type].machine, item, 'escalate', { reason, data: { fromLevel: from, toLevel: level } });
  item.level = level;
  item.takenBy = null;
  ctx.notify({ role: ITEM_SPECS[type].role, minLevel: level as Level }, { type: 'queue.item_added', item: { type, id: item.id, level } });
  scheduleSla(ctx, type, item);
  return itemView(type, item);
}

/** Four eyes: whoever escalated an item may not approve it. */
export async function assertNotEscalatedBy(ctx: ActionContext, type: ItemType, id: number): Promise<void> {
  if (ctx.actor.kind !== 'user') return;
  const rows = await ctx.sql(`select 1 from entity_event where tenant_id = ? and entity_type = ? and entity_id = ? and event = 'escalate' and actor_id = ? limit 1`, [ctx.tenantId, type, id, ctx.actor.id]);
  if (rows.length) throw new AppError('FOUR_EYES', `You escalated this ${type}; another reviewer must approve it.`);
}

export async function review(ctx: ActionContext, type: 'document' | 'transfer', id: number, approved: boolean, reason?: string) {
  const item = await loadItem(ctx, type, id);
  assertMayWork(ctx.actor, type, item);
  if (approved) await assertNotEscalatedBy(ctx, type, id);
  fire(ctx, ITEM_SPECS[type].machine, item, approved ? 'approve' : 'reject', { reason });
  item.decidedBy = actorId(ctx.actor);
  item.takenBy = item.decidedBy;
  ctx.notify({ role: ITEM_SPECS[type].role, minLevel: item.level as Level }, { type: 'queue.item_removed', item: { type, id: item.id, status: item.status } });
  if (item.createdBy != null) ctx.notify({ userIds: [item.createdBy] }, { type: `${type}.${item.status}`, item: { type, id: item.id } });
  return itemView(type, item);
}

/** Answers an inquiry (or closes it); an answered one stays in the queue, a closed one leaves it. */
export async function respond(ctx: ActionContext, id: number, answer: string, closed: boolean) {
  const item = (await loadItem(ctx, 'inquiry', id)) as IInquiry;
  assertMayWork(ctx.actor, 'inquiry', item);
  fire(ctx, inquiryMachine, item as { id: number; status: InquiryStatus }, closed ? 'close' : 'answer');
  item.answer = answer;
  item.decidedBy = actorId(ctx.actor);
  ctx.notify({ role: 'service', minLevel: item.level as Level }, { type: closed ? 'queue.item_removed' : 'queue.item_updated', item: { type: 'inquiry', id: item.id, status: item.status } });
  return itemView('inquiry', item);
}

/** History rows of one item, oldest first, with the actor's email ("system" for timers). */
export async function history(ctx: ActionContext, type: string, id: number) {
  return ctx.sql(
    `select e.event, e.from_status as "from", e.to_status as "to", coalesce(u.email, 'system') as actor, e.reason, e.data, e.at
       from entity_event e left join app_user u on u.id = e.actor_id
      where e.tenant_id = ? and e.entity_type = ? and e.entity_id = ? order by e.id`,
    [ctx.tenantId, type, id],
  );
}

/** The customer an item is for must exist in the caller's tenant (404 naming `cid` otherwise). */
async function assertCustomer(ctx: ActionContext, cid: number): Promise<void> {
  if (!(await ctx.em.count(Customer, { id: cid, tenantId: ctx.tenantId }))) throw new AppError('NOT_FOUND', `No customer ${cid}.`, { field: 'cid' });
}
