/**
 * The hand-written transactional outbox of the bullmq-outbox peer.
 *
 * The door inserts the task row and an outbox row in one transaction, so a
 * committed task always has either its outbox row or its BullMQ job. After
 * COMMIT it adds the job and deletes the row (`dispatch`). A process that dies
 * between COMMIT and the add, or a Redis that refuses the add, leaves the row;
 * the relay (`startRelay`, in every web process) adds the jobs of rows older
 * than a moment and deletes them. Adding twice is harmless: the job id is the
 * task's (BullMQ ignores an add whose id it still holds), and the worker's
 * task-row guard ignores a job whose task already succeeded.
 */
import type pg from 'pg';
import type { Queue } from 'bullmq';
import { JOB_OPTIONS, jobIdOf, QUEUE_NAME, type TaskJob } from './queue.js';
import { pooledTransaction } from '../common/transaction.js';

export const outboxTable = (prefix: string): string => `${prefix}_outbox`;

export async function ensureOutbox(db: pg.Pool | pg.ClientBase, table: string): Promise<void> {
  await db.query(`create table if not exists ${table} (task_id bigint primary key, created_at timestamptz not null default now())`);
}

/** Inside the door's transaction: the promise that the task's job will be added. */
export async function insertOutbox(client: pg.ClientBase, table: string, taskId: string): Promise<void> {
  await client.query(`insert into ${table} (task_id) values ($1)`, [taskId]);
}

const jobOf = (taskId: string) => ({ name: QUEUE_NAME, data: { taskId } satisfies TaskJob, opts: { ...JOB_OPTIONS, jobId: jobIdOf(taskId) } });

/** After COMMIT: adds the job, then removes the outbox row. A failure leaves the row for the relay (never an error for the caller: the task is accepted). */
export async function dispatch(pool: pg.Pool, queue: Queue<TaskJob>, table: string, taskId: string): Promise<boolean> {
  try {
    const job = jobOf(taskId);
    await queue.add(job.name, job.data, job.opts);
    await pool.query(`delete from ${table} where task_id = $1`, [taskId]);
    return true;
  } catch {
    return false;
  }
}

export interface RelayOptions {
  /** Rows younger than this are left to the door that wrote them (ms). */
  graceMs: number;
  /** Pause between passes (ms). */
  everyMs: number;
  /** Rows per pass at most. */
  batch: number;
  log: (msg: string) => void;
}

export interface Relay {
  /** Resolves with the number of rows relayed (0 when another relay holds them or none are due). */
  pass(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * One pass: lock due rows (`for update skip locked`, so several web processes
 * share the work), add their jobs, delete the rows, COMMIT. A failed add rolls
 * back: the rows stay for the next pass.
 */
async function relayPass(pool: pg.Pool, queue: Queue<TaskJob>, table: string, opts: RelayOptions): Promise<number> {
  return pooledTransaction(pool, async (client) => {
    const { rows } = await client.query<{ task_id: string }>(
      `select task_id from ${table} where created_at < now() - make_interval(secs => $1) order by created_at limit $2 for update skip locked`,
      [opts.graceMs / 1000, opts.batch],
    );
    if (rows.length) {
      await queue.addBulk(rows.map((r) => jobOf(r.task_id)));
      await client.query(`delete from ${table} where task_id = any($1::bigint[])`, [rows.map((r) => r.task_id)]);
    }
    return rows.length;
  });
}

export function startRelay(pool: pg.Pool, queue: Queue<TaskJob>, table: string, opts: RelayOptions): Relay {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> = Promise.resolve(0);
  const pass = () => {
    running = running.catch(() => 0).then(() => relayPass(pool, queue, table, opts));
    return running;
  };
  const tick = () => {
    pass()
      .then((n) => n && opts.log(`outbox relay added ${n} job(s)`))
      .catch((err: Error) => opts.log(`outbox relay pass failed: ${err.message}`))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, opts.everyMs);
      });
  };
  timer = setTimeout(tick, opts.everyMs);
  return {
    pass,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running.catch(() => 0);
    },
  };
}
