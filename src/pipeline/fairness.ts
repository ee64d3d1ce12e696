import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { sql } from '../infra/db.js';
import { taskSql } from './task-sql.js';

/** BullMQ's largest job priority (2^21); 1 is taken first. */
export const MAX_PRIORITY = 2 ** 21;

export interface FairnessSettings {
  /** A tenant's most tasks in flight (queued or running, timers not due excluded) per worker kind; 0 = no limit. */
  tenantMaxBacklog: number;
  /** Per worker kind, overriding `tenantMaxBacklog`. */
  tenantMaxBacklogByKind: Record<string, number>;
  /** Jobs the door dispatches carry the tenant's in-flight count as their BullMQ priority. */
  tenantPriority: boolean;
  /** How often each web process re-reads the tenants' in-flight counts from PostgreSQL. */
  refreshMs: number;
}

/**
 * Each tenant's tasks in flight per queue (worker kind), as PostgreSQL has them:
 * read in one grouped statement at most every `refreshMs` per web process (off
 * the request path: a request uses the last counts), plus the tasks this
 * process dispatched since (by id, so a task the read already counted is not
 * counted twice).
 *
 * Fairness between tenants on shared queues comes from two uses of it:
 * - the job's BullMQ priority is 1 + the tenant's tasks already in flight on
 *   that queue, so a tenant with 4 tasks in flight has its next job taken
 *   before the 5th..60th of a tenant with 60 (round robin by in-flight count,
 *   FIFO within a priority), and a lone tenant still gets every worker;
 * - a tenant at its own limit on a queue is refused (429 with Retry-After),
 *   and the queue-wide MAX_BACKLOG refuses only tenants holding at least their
 *   share of it. Nothing is written for a refused request.
 */
export class TenantShares {
  private base = new Map<string, number>();
  private local = new Map<string, number[]>();
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

  /** The tenant's tasks in flight on the queue. */
  inFlight(queue: string, tenantId: number): number {
    this.refreshSoon();
    const k = key(queue, tenantId);
    return (this.base.get(k) ?? 0) + (this.local.get(k)?.length ?? 0);
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
    for (const [k, n] of this.base) if (k.startsWith(`${queue}\t`) && n > 0) out.set(Number(k.slice(queue.length + 1)), n);
    for (const [k, ids] of this.local) if (k.startsWith(`${queue}\t`) && ids.length) out.set(Number(k.slice(queue.length + 1)), (out.get(Number(k.slice(queue.length + 1))) ?? 0) + ids.length);
    return out;
  }

  /** Whether some tenant is at its own limit on the queue (the door's quick path then takes the checked one). */
  anyOver(queue: string): boolean {
    const limit = this.limitFor(queue);
    if (limit <= 0) return false;
    for (const n of this.tenantsOn(queue).values()) if (n >= limit) return true;
    return false;
  }

  /** Counts a task the door is dispatching; returns its job's priority (undefined with priorities off). */
  take(queue: string, tenantId: number, taskId: number): number | undefined {
    const ahead = this.inFlight(queue, tenantId);
    const k = key(queue, tenantId);
    const ids = this.local.get(k);
    if (ids) ids.push(taskId);
    else this.local.set(k, [taskId]);
    return this.settings.tenantPriority ? Math.min(ahead + 1, MAX_PRIORITY) : undefined;
  }

  private refreshSoon(): void {
    if (this.refreshing || Date.now() - this.at < this.settings.refreshMs) return;
    this.refreshing = this.refresh()
      .catch((err: Error) => this.log?.warn({ err: err.message }, 'could not read the tenants\' tasks in flight'))
      .finally(() => (this.refreshing = null));
  }

  /** Re-reads the counts now (tests; the door refreshes on its own). */
  async refresh(): Promise<void> {
    // One statement, one snapshot: the counts, and the newest task id they could include.
    const rows = await sql<{ queue: string | null; tenant_id: number | null; n: number }>(
      this.em(),
      `select queue, tenant_id, count(*)::int as n from task
        where ${taskSql.start.from()} and (run_at is null or run_at <= now()) group by queue, tenant_id
       union all select null, null, coalesce(max(id), 0)::bigint from task`,
    );
    const base = new Map<string, number>();
    let maxId = 0;
    for (const r of rows) {
      if (r.queue === null) maxId = Number(r.n);
      else base.set(key(r.queue, Number(r.tenant_id)), Number(r.n));
    }
    this.base = base;
    for (const [k, ids] of this.local) {
      const newer = ids.filter((id) => id > maxId);
      if (newer.length) this.local.set(k, newer);
      else this.local.delete(k);
    }
    this.at = Date.now();
  }
}

const key = (queue: string, tenantId: number) => `${queue}\t${tenantId}`;
