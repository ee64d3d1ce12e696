import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { inTransaction, sql } from '../infra/db.js';
import { jobIdFor, type Dispatch, type Queues } from '../infra/queue.js';
import { taskSql } from './task-sql.js';

/** The transaction-level advisory lock one reconciler pass holds: passes never overlap, in any process. */
const RECONCILE_LOCK = 0x62757265; // 'bure'

interface Candidate {
  id: number;
  queue: string;
  run_at: Date | null;
}

/**
 * PostgreSQL, not the queue, is the source of truth. A task a worker may still
 * start (queued or running, per the task machine) after `graceMs` whose job is
 * gone from its queue (Redis flushed, AOF lost its last second) or ended without
 * finishing the task (retries spent while the database was down) is put back on
 * its queue. Running it again is safe: the worker applies a task's effect once.
 * A job that failed for good (`UnrecoverableError`) finished its task as failed
 * first, so it is never a candidate; the status is read again after the job's
 * state, so a task that finished between the two reads is left alone as well.
 *
 * It touches only what is missing: a job that is waiting, prioritized, delayed
 * (a timer hours away, a retry's backoff) or active is left where it is, and one
 * pass runs at a time (a PostgreSQL advisory lock: the scheduler fires every
 * interval, and a pass slower than that, or a stalled one run again after its
 * worker was killed, would otherwise re-add, and count, the same tasks twice).
 * On BullMQ's PostgreSQL backend the job states are read in the same statement
 * as the tasks (one query per page, one snapshot); on Redis, one state read per
 * candidate. Returns `skipped` when another pass held the lock.
 */
export async function reconcile(em: EntityManager, queues: Queues, log: Logger, graceMs: number, pageSize = 1000): Promise<{ checked: number; requeued: number; skipped?: boolean }> {
  return inTransaction(em, async (tem) => {
    const [lock] = await sql<{ ok: boolean }>(tem, 'select pg_try_advisory_xact_lock(?) as ok', [RECONCILE_LOCK]);
    if (!lock?.ok) return { checked: 0, requeued: 0, skipped: true };
    return queues.pgJobSchema ? reconcileInPostgres(tem, queues, queues.pgJobSchema, log, graceMs, pageSize) : reconcileOnRedis(tem, queues, log, graceMs, pageSize);
  });
}

const CANDIDATES = `select t.id, t.queue, t.run_at from task t
  where ${taskSql.start.from('t.status')} and t.created_at < now() - make_interval(secs => ?) and t.id > ?
    and not exists (select 1 from outbox o where o.task_id = t.id)`;

async function reconcileOnRedis(em: EntityManager, queues: Queues, log: Logger, graceMs: number, pageSize: number): Promise<{ checked: number; requeued: number }> {
  let checked = 0;
  let requeued = 0;
  // Every candidate, a page at a time by id: the oldest unfinished tasks are mostly timers waiting hours in
  // their queue (still there), and a fixed window of them would hide every lost job behind it.
  for (let after = 0; ; ) {
    const rows = await sql<Candidate>(em, `${CANDIDATES} order by t.id limit ?`, [graceMs / 1000, after, pageSize]);
    const gone: (Dispatch & { ended: boolean })[] = [];
    for (let i = 0; i < rows.length; i += 50) {
      await Promise.all(
        rows.slice(i, i + 50).map(async (r) => {
          const state = await queues.queue(r.queue).getJobState(jobIdFor(r.id));
          const ended = state === 'completed' || state === 'failed';
          if (ended || state === 'unknown') gone.push({ taskId: r.id, queue: r.queue, runAt: r.run_at ? new Date(r.run_at) : null, ended });
        }),
      );
    }
    // Read again outside this pass's snapshot (a fresh statement sees what committed since): finished meanwhile, left alone.
    const still = gone.length
      ? new Set((await sql<{ id: number }>(em, `select id from task where id = any(?::bigint[]) and ${taskSql.start.from()}`, [gone.map((g) => g.taskId)])).map((r) => Number(r.id)))
      : new Set<number>();
    requeued += await requeue(queues, log, gone.filter((g) => still.has(g.taskId)));
    checked += rows.length;
    if (rows.length < pageSize) return { checked, requeued };
    after = rows[rows.length - 1]!.id;
  }
}

async function reconcileInPostgres(em: EntityManager, queues: Queues, schema: string, log: Logger, graceMs: number, pageSize: number): Promise<{ checked: number; requeued: number }> {
  let checked = 0;
  let requeued = 0;
  const jobs = `"${schema.replace(/"/g, '')}".job`;
  for (let after = 0; ; ) {
    // One statement per page: the task and its job read in one snapshot, so a task that finished (its job
    // completed after its commit) is never seen unfinished with its job ended.
    const rows = await sql<Candidate & { state: string | null }>(
      em,
      `select c.id, c.queue, c.run_at, j.state from (${CANDIDATES} order by t.id limit ?) c
        left join ${jobs} j on j.queue = c.queue and j.id = 't-' || c.id order by c.id`,
      [graceMs / 1000, after, pageSize],
    );
    const lost = rows
      .filter((r) => r.state === null || r.state === 'completed' || r.state === 'failed')
      .map((r) => ({ taskId: Number(r.id), queue: r.queue, runAt: r.run_at ? new Date(r.run_at) : null, ended: r.state !== null }));
    requeued += await requeue(queues, log, lost);
    checked += rows.length;
    if (rows.length < pageSize) return { checked, requeued };
    after = Number(rows[rows.length - 1]!.id);
  }
}

/** Puts lost tasks back on their queues (an ended job is removed first: BullMQ keeps a job id it has). */
async function requeue(queues: Queues, log: Logger, lost: (Dispatch & { ended: boolean })[]): Promise<number> {
  if (!lost.length) return 0;
  const ended = lost.filter((l) => l.ended);
  for (let i = 0; i < ended.length; i += 50) await Promise.all(ended.slice(i, i + 50).map((l) => queues.queue(l.queue).remove(jobIdFor(l.taskId))));
  await queues.dispatch(lost.map(({ taskId, queue, runAt }) => ({ taskId, queue, runAt })));
  log.warn({ count: lost.length, tasks: lost.slice(0, 20).map((l) => l.taskId) }, 'reconciler re-enqueued tasks whose jobs were lost');
  return lost.length;
}
