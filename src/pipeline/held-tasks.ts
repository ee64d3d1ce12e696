import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { sql } from '../infra/db.js';
import { UnrecoverableError, type Dispatch, type TaskCopy } from '../infra/queue.js';
import { MAX_PRIORITY } from './fairness.js';
import type { Outbox } from './outbox.js';
import { SlotShares } from './slot-shares.js';
import { taskSql } from './task-sql.js';

/** The transaction-level advisory lock of one rebalance pass: passes never overlap, in any process. */
const REBALANCE_LOCK = 0x62757266; // 'burf'

/**
 * Takes up to `n` of the oldest held rows of each (queue, tenant) (rows another
 * process is taking are skipped), makes them plain outbox rows again (a crash
 * before their dispatch leaves them to the relay) and returns each task with its
 * copy for the job. Parameters: queues, tenants, counts (one entry per pair).
 */
const RELEASE = `
  with want as (select * from unnest(?::text[], ?::int[], ?::int[]) as w(queue, tenant_id, n)),
  pick as (
    select h.task_id from want w cross join lateral (
      select task_id from outbox where queue = w.queue and held_for = w.tenant_id order by task_id limit w.n for update skip locked) h
  ), up as (
    update outbox o set held_for = null, created_at = now() from pick where o.task_id = pick.task_id returning o.task_id, o.queue
  )
  select up.task_id, up.queue, t.tenant_id, t.actor_id, t.action, t.input,
    (select json_build_object('id', u.id, 'tenant_id', u.tenant_id, 'role', u.role, 'level', u.level, 'email', u.email, 'status', u.status)
       from app_user u where u.id = t.actor_id) as actor
  from up join task t on t.id = up.task_id`;

/** Per (queue, tenant) on the queues that have held tasks: tasks in flight (timers not due excluded) and how many are held. */
const COUNTS = `
  select t.queue, t.tenant_id, count(*)::int as n, count(o.held_for)::int as held
    from task t left join outbox o on o.task_id = t.id and o.held_for is not null
   where ${taskSql.start.from('t.status')} and (t.run_at is null or t.run_at <= now())
     and t.queue in (select distinct queue from outbox where held_for is not null)
   group by t.queue, t.tenant_id`;

/**
 * Tasks the door held back in the outbox (`held_for` = their tenant) because
 * their tenant had its share of a queue's worker slots in the queue while other
 * tenants had work there (see fairness.ts). They go to the queue
 * - one for one as the tenant's capped jobs finish: such a job carries
 *   `releaseFor`, and the worker that ran it calls `handoff` (batched per turn of
 *   the event loop: one statement and one addBulk);
 * - in a rebalance pass (web processes every BACKLOG_REFRESH_MS while anything
 *   is held, system workers every OUTBOX_RELAY_INTERVAL_MS): up to each
 *   tenant's share, and all of them once the queue is no longer shared out. This
 *   is also what picks up held tasks after a crash: they live in PostgreSQL,
 *   not in any one process.
 * A released job goes behind every job dispatched within its tenant's share
 * (the lowest BullMQ priority), and its finish hands on in turn. The relay and
 * the reconciler leave held rows alone, so a task is never on its queue twice.
 */
export class HeldTasks {
  private pending = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private readonly sharing: SlotShares;

  constructor(
    private readonly em: () => EntityManager,
    private readonly outbox: Outbox,
    private readonly log: Logger,
    slots: number,
  ) {
    this.sharing = new SlotShares(slots);
  }

  /**
   * Wraps a job's run: a job that took one of its tenant's shared-out slots
   * (`releaseFor`, from the job data) hands it on once its task is final:
   * succeeded, or failed for good (UnrecoverableError). A retry keeps the slot;
   * a worker killed first leaves it to the rebalance pass.
   */
  after(queue: string, releaseFor: unknown, run: Promise<void>): Promise<void> {
    // Job data may come from older code: only a tenant id hands anything on.
    if (typeof releaseFor !== 'number' || !Number.isSafeInteger(releaseFor)) return run;
    return run.then(
      () => this.handoff(queue, releaseFor),
      (err: unknown) => {
        if (err instanceof UnrecoverableError) this.handoff(queue, releaseFor);
        throw err;
      },
    );
  }

  /** A capped job of the tenant finished on the queue: the tenant's oldest held task there follows (fire and forget). */
  handoff(queue: string, tenantId: number): void {
    if (!this.pending.size) setImmediate(() => void this.flushHandoffs());
    const k = `${queue}\t${tenantId}`;
    this.pending.set(k, (this.pending.get(k) ?? 0) + 1);
  }

  private async flushHandoffs(): Promise<void> {
    const want = [...this.pending].map(([k, n]) => ({ queue: k.slice(0, k.indexOf('\t')), tenantId: Number(k.slice(k.indexOf('\t') + 1)), n }));
    this.pending = new Map();
    try {
      this.outbox.dispatchNow(await this.release(this.em(), want));
    } catch (err) {
      // A lost hand-off (database down, process killed) only delays: the next rebalance pass releases what it should have.
      this.log.warn({ err: (err as Error).message }, 'could not release held tasks; the rebalance pass will');
    }
  }

  /**
   * One rebalance pass (one at a time over every process: an advisory lock):
   * releases each tenant's held tasks up to its share while the queue is shared
   * out, every one once it is not (a lone tenant, or no light one left; see
   * slot-shares.ts). Returns how many it released.
   */
  async rebalance(): Promise<number> {
    const em = this.em();
    if (!(await sql(em, 'select 1 from outbox where held_for is not null limit 1')).length) return 0;
    const items = await em.transactional(async (txEm) => {
      const tem = txEm as EntityManager;
      const [lock] = await sql<{ ok: boolean }>(tem, 'select pg_try_advisory_xact_lock(?) as ok', [REBALANCE_LOCK]);
      if (!lock?.ok) return [];
      const rows = await sql<{ queue: string; tenant_id: number; n: number; held: number }>(tem, COUNTS);
      const limits = new Map<string, number>();
      for (const queue of new Set(rows.map((r) => r.queue))) limits.set(queue, this.sharing.limit(queue, rows.filter((r) => r.queue === queue).map((r) => r.n)));
      const want = rows
        .filter((r) => r.held > 0)
        .map((r) => {
          const limit = limits.get(r.queue) ?? Infinity;
          return { queue: r.queue, tenantId: Number(r.tenant_id), n: Math.min(r.held, Math.max(0, limit - (r.n - r.held))) };
        })
        .filter((w) => w.n > 0);
      return this.release(tem, want);
    });
    // After the commit: a rolled-back release leaves its rows held, and their jobs must not be out.
    this.outbox.dispatchNow(items);
    return items.length;
  }

  /** Releases held rows on `em` (in its transaction, if any); returns their dispatches, for the caller to send once that is committed. */
  private async release(em: EntityManager, want: { queue: string; tenantId: number; n: number }[]): Promise<Dispatch[]> {
    if (!want.length) return [];
    const rows = await sql<TaskCopy & { task_id: number; queue: string }>(em, RELEASE, [want.map((w) => w.queue), want.map((w) => w.tenantId), want.map((w) => w.n)]);
    return rows.map((r) => ({
      taskId: Number(r.task_id),
      queue: r.queue,
      runAt: null,
      copy: { tenant_id: r.tenant_id, actor_id: r.actor_id, action: r.action, input: r.input, actor: r.actor },
      priority: MAX_PRIORITY,
      releaseFor: r.tenant_id,
    }));
  }

  /** Runs a rebalance pass every `intervalMs` (the first call's interval wins). */
  start(intervalMs: number): void {
    if (this.timer || this.stopped) return;
    const tick = async () => {
      try {
        await this.rebalance();
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'rebalance of held tasks failed');
      }
      if (!this.stopped) this.timer = setTimeout(() => (this.pass = tick()), intervalMs);
    };
    this.timer = setTimeout(() => (this.pass = tick()), intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.pass;
  }
}
