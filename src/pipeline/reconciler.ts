import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { sql } from '../infra/db.js';
import { jobIdFor, type Dispatch, type Queues } from '../infra/queue.js';
import { taskSql } from './task-sql.js';

/**
 * PostgreSQL, not the queue, is the source of truth. A task a worker may still
 * start (queued or running, per the task machine) after `graceMs` whose job is
 * gone from its queue (Redis flushed, AOF lost its last second) or ended without
 * finishing the task (retries spent while the database was down) is put back on
 * its queue. Running it again is safe: the worker applies a task's effect once.
 * A job that failed for good (`UnrecoverableError`) finished its task as failed
 * first, so it is never a candidate; the status is read again after the job's
 * state, so a task that finished between the two reads is left alone as well.
 */
export async function reconcile(em: EntityManager, queues: Queues, log: Logger, graceMs: number, pageSize = 1000): Promise<{ checked: number; requeued: number }> {
  let checked = 0;
  let requeued = 0;
  // Every candidate, a page at a time by id: the oldest unfinished tasks are mostly timers waiting hours in
  // their queue (still there), and a fixed window of them would hide every lost job behind it.
  for (let after = 0; ; ) {
    const rows = await sql<{ id: number; queue: string; run_at: Date | null }>(
      em,
      `select t.id, t.queue, t.run_at from task t
        where ${taskSql.start.from('t.status')} and t.created_at < now() - make_interval(secs => ?) and t.id > ?
          and not exists (select 1 from outbox o where o.task_id = t.id)
        order by t.id limit ?`,
      [graceMs / 1000, after, pageSize],
    );
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
    const still = gone.length
      ? new Set((await sql<{ id: number }>(em, `select id from task where id = any(?::bigint[]) and ${taskSql.start.from()}`, [gone.map((g) => g.taskId)])).map((r) => Number(r.id)))
      : new Set<number>();
    const lost = gone.filter((g) => still.has(g.taskId));
    if (lost.length) {
      const ended = lost.filter((l) => l.ended);
      for (let i = 0; i < ended.length; i += 50) await Promise.all(ended.slice(i, i + 50).map((l) => queues.queue(l.queue).remove(jobIdFor(l.taskId))));
      await queues.dispatch(lost.map(({ taskId, queue, runAt }) => ({ taskId, queue, runAt })));
      log.warn({ count: lost.length, tasks: lost.slice(0, 20).map((l) => l.taskId) }, 'reconciler re-enqueued tasks whose jobs were lost');
    }
    checked += rows.length;
    requeued += lost.length;
    if (rows.length < pageSize) return { checked, requeued };
    after = rows[rows.length - 1]!.id;
  }
}
