import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { sql } from '../infra/db.js';
import { jobIdFor, type Dispatch, type Queues } from '../infra/queue.js';
import { taskSql } from './task-machine.js';

/**
 * PostgreSQL, not the queue, is the source of truth. A task a worker may still
 * start (queued or running, per the task machine) after `graceMs` whose job is
 * gone from its queue (Redis flushed, AOF lost its last second) or ended without
 * finishing the task (retries spent while the database was down) is put back on
 * its queue. Running it again is safe: the worker applies a task's effect once.
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
    const lost: Dispatch[] = [];
    for (let i = 0; i < rows.length; i += 50) {
      await Promise.all(
        rows.slice(i, i + 50).map(async (r) => {
          const queue = queues.queue(r.queue);
          const state = await queue.getJobState(jobIdFor(r.id));
          if (state === 'completed' || state === 'failed') await queue.remove(jobIdFor(r.id));
          if (state === 'unknown' || state === 'completed' || state === 'failed') lost.push({ taskId: r.id, queue: r.queue, runAt: r.run_at ? new Date(r.run_at) : null });
        }),
      );
    }
    if (lost.length) {
      await queues.dispatch(lost);
      log.warn({ count: lost.length, tasks: lost.slice(0, 20).map((l) => l.taskId) }, 'reconciler re-enqueued tasks whose jobs were lost');
    }
    checked += rows.length;
    requeued += lost.length;
    if (rows.length < pageSize) return { checked, requeued };
    after = rows[rows.length - 1]!.id;
  }
}
