import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { sql } from '../infra/db.js';
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
  /** A queue's worker slots, shared out while several tenants have work on it (0 = no holding). */
  activeSlots: number;
  /** How often each web process re-reads the tenants' in-flight counts from PostgreSQL. */
  refreshMs: number;
}

/** How the door sends one recorded task on: its job's priority, and the tenant whose next held task its finish releases. */
export interface Placement {
  priority?: number;
  releaseFor?: number;
}

/**
 * Each tenant's tasks in flight per queue (worker kind), and how many of them
 * are held in the outbox, as PostgreSQL has them: read in one statement at most
 * every `refreshMs` per web process (off the request path: a request uses the
 * last counts), plus the tasks this process recorded since (by id, so a task the
 * read already counted is not counted twice).
 *
 * Fairness between tenants on shared queues comes from three uses of it:
 * - the job's BullMQ priority is 1 + the tenant's tasks already in flight on
 *   that queue, so a light tenant's job is taken before a flooding tenant's
 *   backlog (round robin by in-flight count, FIFO within a priority);
 * - while n > 1 tenants have work on a queue, each may have `activeSlots / n`
 *   of its tasks in the queue (waiting or running); the door holds the rest in
 *   the outbox and they follow as the tenant's own tasks finish (held-tasks.ts).
 *   A lone tenant is never held: it gets every worker;
 * - a tenant at its own limit on a queue is refused (429 with Retry-After),
 *   and the queue-wide MAX_BACKLOG refuses only tenants holding at least their
 *   share of it. Nothing is written for a refused request.
 */
export class TenantShares {
  private base = new Map<string, { n: number; held: number }>();
  private local = new Map<string, { sent: number[]; held: number[] }>();
  private at = 0;
  private refreshing: Promise<void> | null = null;

  constructor(
    private readonly em: () => EntityManager,
    readonly settings: FairnessSettings,
    private readonly log: Logger | null = null,
  ) {}

  limitFor(queue: string): number {
    return this.settings.tenantMaxBacklogByKind[queue] ?? this.settings.tenantMaxBacklog;
  }

  /** The tenant's tasks in flight on the queue (held ones included). */
  inFlight(queue: string, tenantId: number): number {
    this.refreshSoon();
    const k = key(queue, tenantId);
    const l = this.local.get(k);
    return (this.base.get(k)?.n ?? 0) + (l ? l.sent.length + l.held.length : 0);
  }

  /** The tenant's tasks held in the outbox on the queue. */
  held(queue: string, tenantId: number): number {
    const k = key(queue, tenantId);
    return (this.base.get(k)?.held ?? 0) + (this.local.get(k)?.held.length ?? 0);
  }

  /** Every tenant's held tasks on the queue (they wait as much as the queue's own backlog does). */
  heldOn(queue: string): number {
    let n = 0;
    for (const t of this.tenantsOn(queue).keys()) n += this.held(queue, t);
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
    const prefix = `${queue}\t`;
    for (const [k, c] of this.base) if (k.startsWith(prefix) && c.n > 0) out.set(Number(k.slice(prefix.length)), c.n);
    for (const [k, l] of this.local) {
      const n = l.sent.length + l.held.length;
      if (k.startsWith(prefix) && n) out.set(Number(k.slice(prefix.length)), (out.get(Number(k.slice(prefix.length))) ?? 0) + n);
    }
    return out;
  }

  /** Whether some tenant is at its own limit on the queue (the door's quick path then takes the checked one). */
  anyOver(queue: string): boolean {
    const limit = this.limitFor(queue);
    if (limit <= 0) return false;
    for (const n of this.tenantsOn(queue).values()) if (n >= limit) return true;
    return false;
  }

  /**
   * How many more of the tenant's tasks may go to the queue now: Infinity when
   * it is the only tenant with work there (or holding is off), 0 while it has
   * tasks held (those go first, oldest first).
   */
  room(queue: string, tenantId: number): number {
    const slots = this.settings.activeSlots;
    if (slots <= 0) return Infinity;
    const tenants = this.tenantsOn(queue);
    const n = tenants.size + (tenants.has(tenantId) ? 0 : 1);
    if (n < 2) return Infinity;
    const held = this.held(queue, tenantId);
    return held > 0 ? 0 : Math.max(0, shareOf(slots, n) - ((tenants.get(tenantId) ?? 0) - held));
  }

  /** The room of every tenant with work on the queue that has a limit now (the quick path learns the tenant in its statement). */
  rooms(queue: string): { tenantId: number; room: number }[] {
    const out: { tenantId: number; room: number }[] = [];
    for (const tenantId of this.tenantsOn(queue).keys()) {
      const room = this.room(queue, tenantId);
      if (room !== Infinity) out.push({ tenantId, room });
    }
    return out;
  }

  /** Counts a task the door recorded, held or not; a dispatched one gets its job's priority and, while the queue is shared out, its hand-off. */
  take(queue: string, tenantId: number, taskId: number, held: boolean): Placement {
    const ahead = this.inFlight(queue, tenantId);
    const capped = !held && this.room(queue, tenantId) !== Infinity;
    const k = key(queue, tenantId);
    const l = this.local.get(k) ?? { sent: [], held: [] };
    this.local.set(k, l);
    (held ? l.held : l.sent).push(taskId);
    if (held) return {};
    return { ...(this.settings.tenantPriority ? { priority: Math.min(ahead + 1, MAX_PRIORITY) } : {}), ...(capped ? { releaseFor: tenantId } : {}) };
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
    const base = new Map<string, { n: number; held: number }>();
    let maxId = 0;
    for (const r of rows) {
      if (r.queue === null) maxId = Number(r.n);
      else {
        const c = base.get(key(r.queue, Number(r.tenant_id))) ?? { n: 0, held: 0 };
        base.set(key(r.queue, Number(r.tenant_id)), { n: c.n + Number(r.n), held: c.held + Number(r.held) });
      }
    }
    this.base = base;
    for (const [k, l] of this.local) {
      const newer = { sent: l.sent.filter((id) => id > maxId), held: l.held.filter((id) => id > maxId) };
      if (newer.sent.length || newer.held.length) this.local.set(k, newer);
      else this.local.delete(k);
    }
    this.at = Date.now();
  }
}

/** A tenant's share of a queue's worker slots while `tenants` have work on it (at least one slot each). */
export const shareOf = (slots: number, tenants: number): number => Math.max(1, Math.floor(slots / tenants));

const key = (queue: string, tenantId: number) => `${queue}\t${tenantId}`;
