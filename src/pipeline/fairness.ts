import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { sql } from '../infra/db.js';
import { SlotShares } from './slot-shares.js';
import { taskSql } from './task-sql.js';

/** BullMQ's largest job priority (2^21 - 1: it refuses 2^21); 1 is taken first. */
export const MAX_PRIORITY = 2 ** 21 - 1;

export interface FairnessSettings {
  /** A tenant's most tasks in flight (queued or running, timers not due excluded) per worker kind; 0 = no limit. */
  tenantMaxBacklog: number;
  /** Per worker kind, overriding `tenantMaxBacklog`. */
  tenantMaxBacklogByKind: Record<string, number>;
  /** Jobs the door dispatches carry the tenant's in-flight count as their BullMQ priority. */
  tenantPriority: boolean;
  /** A queue's worker slots, shared out while a light tenant has work beside others (0 = no holding; slot-shares.ts). */
  activeSlots: number;
  /** How often each web process re-reads the tenants' in-flight counts from PostgreSQL. */
  refreshMs: number;
}

/** How the door sends one recorded task on: its job's priority, and while the queue is shared out, its tenant's share (its finish tops the tenant up). */
export interface Placement {
  priority?: number;
  topUp?: { tenantId: number; share: number };
}

/** Tasks in flight (held ones included) and how many of them are held, of one tenant on one queue. */
interface Tally {
  n: number;
  held: number;
}

/**
 * Each tenant's tasks in flight per queue (worker kind), and how many of them
 * are held in the outbox, as PostgreSQL has them: read in one statement at most
 * every `refreshMs` per web process (off the request path: a request uses the
 * last counts), plus the tasks this process recorded since (by id, so a task the
 * read already counted is not counted twice), less the tasks of this process
 * whose final result it has seen since (`settled`).
 *
 * Fairness between tenants on shared queues comes from three uses of it:
 * - the job's BullMQ priority is 1 + the tenant's tasks already in flight on
 *   that queue, so a light tenant's job is taken before a flooding tenant's
 *   backlog (round robin by in-flight count, FIFO within a priority);
 * - while a light tenant has work beside others on a queue, each tenant may
 *   have its share of the queue's worker slots in it (slot-shares.ts); the door
 *   holds the rest in the outbox and they follow as the tenant's own tasks
 *   finish (held-tasks.ts). A lone tenant is never held: it gets every worker;
 * - a tenant at its own limit on a queue is refused (429 with Retry-After),
 *   and the queue-wide MAX_BACKLOG refuses only tenants holding at least their
 *   share of it. Nothing is written for a refused request.
 */
export class TenantShares {
  private base = new Map<string, Map<number, Tally>>();
  private local = new Map<string, Map<number, Tally>>();
  /** Tasks this process recorded and has not seen final: `fresh` ones are in `local`, the others in `base`. */
  private mine = new Map<number, { queue: string; tenantId: number; held: boolean; fresh: boolean; at: number }>();
  private readonly sharing: SlotShares;
  private at = 0;
  private refreshing: Promise<void> | null = null;

  constructor(
    private readonly em: () => EntityManager,
    readonly settings: FairnessSettings,
    private readonly log: Logger | null = null,
  ) {
    this.sharing = new SlotShares(settings.activeSlots);
  }

  limitFor(queue: string): number {
    return this.settings.tenantMaxBacklogByKind[queue] ?? this.settings.tenantMaxBacklog;
  }

  /** The tenant's tasks in flight on the queue (held ones included). */
  inFlight(queue: string, tenantId: number): number {
    this.refreshSoon();
    return (this.base.get(queue)?.get(tenantId)?.n ?? 0) + (this.local.get(queue)?.get(tenantId)?.n ?? 0);
  }

  /** The tenant's tasks held in the outbox on the queue. */
  held(queue: string, tenantId: number): number {
    return (this.base.get(queue)?.get(tenantId)?.held ?? 0) + (this.local.get(queue)?.get(tenantId)?.held ?? 0);
  }

  /** Every tenant's held tasks on the queue (they wait as much as the queue's own backlog does). */
  heldOn(queue: string): number {
    let n = 0;
    for (const tally of [this.base.get(queue), this.local.get(queue)]) for (const t of tally?.values() ?? []) n += t.held;
    return n;
  }

  /** Whether the tenant is at its own limit on the queue. */
  over(queue: string, tenantId: number): boolean {
    const limit = this.limitFor(queue);
    return limit > 0 && this.inFlight(queue, tenantId) >= limit;
  }

  /** The tenants with work in flight on the queue, with their counts. */
  tenantsOn(queue: string): Map<number, number> {
    this.refreshSoon();
    const out = new Map<number, number>();
    for (const tally of [this.base.get(queue), this.local.get(queue)]) for (const [t, c] of tally ?? []) out.set(t, (out.get(t) ?? 0) + c.n);
    for (const [t, n] of out) if (n <= 0) out.delete(t);
    return out;
  }

  /** Whether some tenant is at its own limit on the queue (the door's quick path then takes the checked one). */
  anyOver(queue: string): boolean {
    const limit = this.limitFor(queue);
    if (limit <= 0) return false;
    for (const n of this.tenantsOn(queue).values()) if (n >= limit) return true;
    return false;
  }

  /** How many more of the tenant's tasks may go to the queue now (Infinity: not shared out); 0 while it has tasks held (those go first). */
  room(queue: string, tenantId: number, tenants = this.tenantsOn(queue), limit = this.shareOf(queue, tenantId, tenants)): number {
    if (limit === Infinity) return Infinity;
    const held = this.held(queue, tenantId);
    return held > 0 ? 0 : Math.max(0, limit - ((tenants.get(tenantId) ?? 0) - held));
  }

  /** Each tenant's share of the queue's slots now (Infinity: not shared out; slot-shares.ts); the asking tenant has work: the task it submits. */
  private shareOf(queue: string, tenantId: number, tenants: Map<number, number>): number {
    return this.sharing.limit(queue, tenants.has(tenantId) ? tenants.values() : [...tenants.values(), 1]);
  }

  /** The room of every tenant with work on the queue while it is shared out (the quick path learns the tenant in its statement). */
  rooms(queue: string): { tenantId: number; room: number }[] {
    const tenants = this.tenantsOn(queue);
    const limit = this.sharing.limit(queue, tenants.values());
    if (limit === Infinity) return [];
    return [...tenants.keys()].map((tenantId) => ({ tenantId, room: this.room(queue, tenantId, tenants, limit) }));
  }

  /** Counts a task the door recorded, held or not; a dispatched one gets its job's priority and, while the queue is shared out, its hand-off. */
  take(queue: string, tenantId: number, taskId: number, held: boolean): Placement {
    const ahead = this.inFlight(queue, tenantId);
    const share = held ? Infinity : this.shareOf(queue, tenantId, this.tenantsOn(queue));
    this.mine.set(taskId, { queue, tenantId, held, fresh: true, at: Date.now() });
    bump(this.local, queue, tenantId, 1, held);
    if (held) return {};
    return { ...(this.settings.tenantPriority ? { priority: Math.min(ahead + 1, MAX_PRIORITY) } : {}), ...(share !== Infinity ? { topUp: { tenantId, share } } : {}) };
  }

  /** A task's final result reached this process (the feed): if this process recorded it, it is no longer in flight. */
  settled(taskId: number): void {
    const m = this.mine.get(taskId);
    if (!m) return;
    this.mine.delete(taskId);
    // A held task is released by whoever hands it on, unseen here: whether the last read counted it held is not
    // known, so a read's held count stays until the next read (holding a little longer, never less).
    bump(m.fresh ? this.local : this.base, m.queue, m.tenantId, -1, m.fresh && m.held);
  }

  private refreshSoon(): void {
    if (this.refreshing || Date.now() - this.at < this.settings.refreshMs) return;
    this.refreshing = this.refresh()
      .catch((err: Error) => this.log?.warn({ err: err.message }, 'could not read the tenants\' tasks in flight'))
      .finally(() => (this.refreshing = null));
  }

  /** Re-reads the counts now (tests; the door refreshes on its own). */
  async refresh(): Promise<void> {
    // One statement, one snapshot: the counts, the held ones, and the newest task id they could include.
    const rows = await sql<{ queue: string | null; tenant_id: number | null; n: number; held: number }>(
      this.em(),
      `select queue, tenant_id, count(*)::int as n, 0 as held from task
        where ${taskSql.start.from()} and (run_at is null or run_at <= now()) group by queue, tenant_id
       union all select queue, held_for, 0, count(*)::int from outbox where held_for is not null group by queue, held_for
       union all select null, null, coalesce(max(id), 0)::bigint, 0 from task`,
    );
    const base = new Map<string, Map<number, Tally>>();
    let maxId = 0;
    for (const r of rows) {
      if (r.queue === null) maxId = Number(r.n);
      else bump(base, r.queue, Number(r.tenant_id), Number(r.n), false, Number(r.held));
    }
    this.base = base;
    // What the read counted leaves `local`; a task whose result never reached this process is forgotten after a minute.
    this.local = new Map();
    const now = Date.now();
    for (const [id, m] of this.mine) {
      if (m.fresh && id <= maxId) m.fresh = false;
      if (m.fresh) bump(this.local, m.queue, m.tenantId, 1, m.held);
      else if (now - m.at > 60_000) this.mine.delete(id);
    }
    this.at = now;
  }
}

/** Adds `n` tasks (held ones too when `held`, or `heldN` of them) to a tally, never below zero. */
function bump(tallies: Map<string, Map<number, Tally>>, queue: string, tenantId: number, n: number, held: boolean, heldN = held ? n : 0): void {
  let q = tallies.get(queue);
  if (!q) tallies.set(queue, (q = new Map()));
  const t = q.get(tenantId) ?? { n: 0, held: 0 };
  q.set(tenantId, { n: Math.max(0, t.n + n), held: Math.max(0, t.held + heldN) });
}
