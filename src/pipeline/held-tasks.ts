import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { inTransaction, sql } from '../infra/db.js';
import { UnrecoverableError, type Dispatch, type TaskCopy } from '../infra/queue.js';
import { MAX_PRIORITY } from './fairness.js';
import type { Outbox } from './outbox.js';
import { SlotShares } from './slot-shares.js';
import { taskSql } from './task-sql.js';

/** The transaction-level advisory lock of one rebalance pass: passes never overlap, in any process. */
const REBALANCE_LOCK = 0x62757266; // 'burf'

/**
 * Tops tenants up to their share of a queue: for each (queue, tenant, share),
 * counts the tenant's tasks in the queue (in flight and not held; an index scan
 * that stops at `share`) and takes that many fewer of its oldest held rows
 * (rows another process is taking are skipped; a null share takes them all).
 * They become plain outbox rows again (a crash before their dispatch leaves
 * them to the relay); each comes back with its task's copy for the job.
 */
const TOP_UP = `
  with want as (select * from unnest(?::text[], ?::int[], ?::int[]) as w(queue, tenant_id, share)),
  room as (
    select w.queue, w.tenant_id, case when w.share is null then ${2 ** 31 - 1} else w.share - (
      select count(*)::int from (
        select 1 from task t where t.queue = w.queue and t.tenant_id = w.tenant_id and ${taskSql.start.from('t.status')}
           and (t.run_at is null or t.run_at <= now()) and not exists (select 1 from outbox o where o.task_id = t.id and o.held_for is not null)
         limit w.share) sent) end as n
    from want w
  ), pick as (
    select h.task_id from room r cross join lateral (
      select task_id from outbox where queue = r.queue and held_for = r.tenant_id order by task_id limit greatest(r.n, 0) for update skip locked) h
  ), up as (
    update outbox o set held_for = null, created_at = now() from pick where o.task_id = pick.task_id returning o.task_id, o.queue
  )
  select up.task_id, up.queue, t.tenant_id, t.actor_id, t.action, t.input,
    (select json_build_object('id', u.id, 'tenant_id', u.tenant_id, 'role', u.role, 'level', u.level, 'email', u.email, 'status', u.status)
       from app_user u where u.id = t.actor_id) as actor
  from up join task t on t.id = up.task_id`;

/** Per (queue, tenant) on the queues that have held tasks: tasks in flight (held ones included; timers not due excluded) and whether any is held. */
const COUNTS = `
  select t.queue, t.tenant_id, count(*)::int as n, bool_or(o.task_id is not null) as held
    from task t left join outbox o on o.task_id = t.id and o.held_for is not null
   where ${taskSql.start.from('t.status')} and (t.run_at is null or t.run_at <= now())
     and t.queue in (select distinct queue from outbox where held_for is not null)
   group by t.queue, t.tenant_id`;

/** Tenants to top up on a queue: to `share`, or with everything held when null. */
interface TopUp {
  queue: string;
  tenantId: number;
  share: number | null;
}

/**
 * Tasks the door held back in the outbox (`held_for` = their tenant) because
 * their tenant had its share of a queue's worker slots in the queue while the
 * queue was shared out (fairness.ts, slot-shares.ts). They go to the queue,
 * oldest first, as the tenant gets below its share:
 * - when one of its capped jobs finishes: such a job carries `topUp`, and the
 *   worker that ran it tops the tenant back up (batched per turn of the event
 *   loop: one statement and one addBulk). The statement counts what the tenant
 *   has in the queue, so two hand-offs at once overshoot by one at most and the
 *   next ones correct it;
 * - in a rebalance pass (web processes every BACKLOG_REFRESH_MS while anything
 *   is held, system workers every OUTBOX_RELAY_INTERVAL_MS): every tenant with
 *   held tasks is topped up (its capped jobs may have finished unseen: the flood
 *   began alone, a worker died), and once a queue is no longer shared out
 *   everything held there goes. This is also what picks up held tasks after a
 *   crash: they live in PostgreSQL, not in any one process.
 * A released job goes behind every job dispatched within its tenant's share
 * (the lowest BullMQ priority). The relay and the reconciler leave held rows
 * alone, so a task is never on its queue twice.
 */
export class HeldTasks {
  private pending = new Map<string, TopUp>();
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
   * Wraps a job's run: a job that ran within its tenant's share (`topUp`, from
   * the job data) tops the tenant up once its task is final: succeeded, or
   * failed for good (UnrecoverableError). A retry keeps its place; a worker
   * killed first leaves it to the rebalance pass.
   */
  after(queue: string, topUp: unknown, run: Promise<void>): Promise<void> {
    // Job data may come from older code: only a well-formed hand-off tops anything up.
    const t = topUp as { tenantId?: unknown; share?: unknown } | undefined;
    if (!t || !Number.isSafeInteger(t.tenantId) || !Number.isSafeInteger(t.share)) return run;
    const { tenantId, share } = t as { tenantId: number; share: number };
    return run.then(
      () => this.handoff({ queue, tenantId, share }),
      (err: unknown) => {
        if (err instanceof UnrecoverableError) this.handoff({ queue, tenantId, share });
        throw err;
      },
    );
  }

  /** A capped job of the tenant finished on the queue: top it up (fire and forget; batched per turn of the event loop). */
  handoff(t: TopUp): void {
    if (!this.pending.size) setImmediate(() => void this.flushHandoffs());
    this.pending.set(`${t.queue}\t${t.tenantId}`, t);
  }

  private async flushHandoffs(): Promise<void> {
    const want = [...this.pending.values()];
    this.pending = new Map();
    try {
      this.outbox.dispatchNow(await this.topUp(this.em(), want));
    } catch (err) {
      // A lost hand-off (database down, process killed) only delays: the next rebalance pass tops the tenant up.
      this.log.warn({ err: (err as Error).message }, 'could not release held tasks; the rebalance pass will');
    }
  }

  /**
   * One rebalance pass (one at a time over every process: an advisory lock):
   * tops every tenant with held tasks up to its share while its queue is shared
   * out, and releases everything held on a queue that no longer is (a lone
   * tenant, or no light one left; slot-shares.ts). Returns how many it released.
   */
  async rebalance(): Promise<number> {
    const em = this.em();
    if (!(await sql(em, 'select 1 from outbox where held_for is not null limit 1')).length) return 0;
    // Raw SQL only; not `em.transactional` (see `inTransaction`): the pass runs in every web process.
    const items = await inTransaction(em, async (tem) => {
      const [lock] = await sql<{ ok: boolean }>(tem, 'select pg_try_advisory_xact_lock(?) as ok', [REBALANCE_LOCK]);
      if (!lock?.ok) return [];
      const rows = await sql<{ queue: string; tenant_id: number; n: number; held: boolean }>(tem, COUNTS);
      const limits = new Map<string, number>();
      for (const queue of new Set(rows.map((r) => r.queue))) limits.set(queue, this.sharing.limit(queue, rows.filter((r) => r.queue === queue).map((r) => r.n)));
      const want = rows.filter((r) => r.held).map((r) => ({ queue: r.queue, tenantId: Number(r.tenant_id), share: limits.get(r.queue) === Infinity ? null : (limits.get(r.queue) ?? null) }));
      return this.topUp(tem, want);
    });
    // After the commit: a rolled-back release leaves its rows held, and their jobs must not be out.
    this.outbox.dispatchNow(items);
    return items.length;
  }

  /** Releases held rows on `em` (in its transaction, if any); returns their dispatches, for the caller to send once that is committed. */
  private async topUp(em: EntityManager, want: TopUp[]): Promise<Dispatch[]> {
    if (!want.length) return [];
    const rows = await sql<TaskCopy & { task_id: number; queue: string }>(em, TOP_UP, [want.map((w) => w.queue), want.map((w) => w.tenantId), want.map((w) => w.share)]);
    const shares = new Map(want.map((w) => [`${w.queue}\t${w.tenantId}`, w.share]));
    return rows.map((r) => {
      const share = shares.get(`${r.queue}\t${r.tenant_id}`) ?? null;
      return {
        taskId: Number(r.task_id),
        queue: r.queue,
        runAt: null,
        copy: { tenant_id: r.tenant_id, actor_id: r.actor_id, action: r.action, input: r.input, actor: r.actor },
        priority: MAX_PRIORITY,
        ...(share !== null ? { topUp: { tenantId: r.tenant_id, share } } : {}),
      };
    });
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
