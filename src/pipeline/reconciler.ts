import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { sql } from '../infra/db.js';
import { jobIdFor, type Dispatch, type Queues } from '../infra/queue.js';

/**
 * PostgreSQL, not the queue, is the source of truth. A task still queued or
 * running after `graceMs` whose job is gone from its queue (Redis flushed, AOF
 * lost its last second) or ended without finishing the task (retries spent
 * while the database was down) is put back on its queue. Running it again is
 * safe: the worker applies a task's effect once.
 */
export async function reconcile(em: EntityManager, queues: Queues, log: Logger, graceMs: number, limit = 1000): Promise<{ checked: number; requeued: number }> {
  const rows = await sql<{ id: number; queue: string; run_at: Date | null }>(
    em,
    `select t.id, t.queue, t.run_at from task t
      where t.status in ('queued', 'running') and t.created_at < now() - make_interval(secs => ?)
        and not exists (select 1 from outbox o where o.task_id = t.id)
      order by t.id limit ?`,
    [graceMs / 1000, limit],
  );
  const lost: Dispatch[] = [];
  for (const r of rows) {
    const queue = queues.queue(r.queue);
    const state = await queue.getJobState(jobIdFor(r.id));
    if (state === 'completed' || state === 'failed') await queue.remove(jobIdFor(r.id));
    if (state === 'unknown' || state === 'completed' || state === 'failed') lost.push({ taskId: r.id, queue: r.queue, runAt: r.run_at ? new Date(r.run_at) : null });
  }
  if (lost.length) {
    await queues.dispatch(lost);
    log.warn({ count: lost.length, tasks: lost.slice(0, 20).map((l) => l.taskId) }, 'reconciler re-enqueued tasks whose jobs were lost');
  }
  return { checked: rows.length, requeued: lost.length };
}
