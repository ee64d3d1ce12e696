/**
 * The bullmq-outbox peer, worker process: a BullMQ Worker (concurrency 64 and
 * a pg pool of 16, as the baseline's) runs each task in one PostgreSQL
 * transaction through the common `finish` (lock the task row, skip it if it
 * already succeeded, insert the customer, store the result, append the feed
 * entry), then PUBLISHes the feed notice after COMMIT. A worker killed
 * mid-job leaves its job active with a lock that expires; BullMQ's stalled
 * check (in any worker) moves it back to wait and it runs again, and the
 * task-row guard keeps the effect once.
 *
 * Env: DATABASE_URL, REDIS_URL, PEER_PREFIX (tables and BullMQ `prefix`);
 * JOB_LOCK_MS and STALLED_INTERVAL_MS (BullMQ's defaults,
 * 30 s each, unless set: tests shorten them so a killed worker's job comes
 * back within seconds). Prints `ready` once the worker is connected.
 */
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { onShutdown, peerEnv } from '../common/env.js';
import { finish, type FeedNotice } from '../common/finish.js';
import { peerTables, type PeerTables } from '../common/schema.js';
import { pooledTransaction } from '../common/transaction.js';
import { QUEUE_NAME, workerConnection, type TaskJob } from './queue.js';
import { feedChannel } from './redis-live.js';

const env = peerEnv();
const optionalMs = (name: string): number | undefined => {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer (ms), got ${JSON.stringify(v)}`);
  return n;
};
const lockDuration = optionalMs('JOB_LOCK_MS');
const stalledInterval = optionalMs('STALLED_INTERVAL_MS');

const tables = peerTables(env.prefix);
const channel = feedChannel(env.prefix);
const pool = new pg.Pool({ connectionString: env.databaseUrl, max: 16 });
pool.on('error', (err) => console.error(`idle pg client: ${err.message}`));
// Waits for Redis like the worker's own connection: a notice is published late rather than dropped.
const pub = new Redis(env.redisUrl, { maxRetriesPerRequest: null });
pub.on('error', (err: Error) => console.error(`publisher: ${err.message}`));

/** The job's data is re-checked: an older door may have enqueued another shape. */
function taskIdOf(job: Job<TaskJob>): string {
  const id = (job.data as Partial<TaskJob> | undefined)?.taskId;
  if (typeof id !== 'string' || !/^[1-9]\d{0,18}$/.test(id)) throw new UnrecoverableError(`job ${job.id}: taskId must be a decimal id, got ${JSON.stringify(id)}`);
  return id;
}

/** The notice of a task whose effect committed in an earlier delivery (whose worker may have died before publishing it). */
async function earlierNotice(db: pg.Pool, t: PeerTables, taskId: string): Promise<FeedNotice | null> {
  const { rows } = await db.query<{ user_id: number; seq: string }>(`select user_id, seq from ${t.feed} where task_id = $1`, [taskId]);
  return rows[0] ? { user: rows[0].user_id, seq: Number(rows[0].seq) } : null;
}

async function runTask(job: Job<TaskJob>): Promise<void> {
  const taskId = taskIdOf(job);
  let notice = await pooledTransaction(pool, (client) => finish(client, tables, { id: taskId }, { notify: false })).catch((err: unknown) => {
    // A task row that does not exist will not appear on a retry.
    if (err instanceof Error && /^task \d+ does not exist$/.test(err.message)) throw new UnrecoverableError(err.message);
    throw err;
  });
  notice ??= await earlierNotice(pool, tables, taskId);
  // After COMMIT: a lost notice only delays the push (the web repairs gaps from the feed table).
  if (notice) await pub.publish(channel, JSON.stringify(notice)).catch((err: Error) => console.error(`publish for task ${taskId} failed: ${err.message}`));
}

const worker = new Worker<TaskJob>(QUEUE_NAME, runTask, {
  connection: workerConnection(env.redisUrl),
  prefix: env.prefix,
  concurrency: 64,
  ...(lockDuration ? { lockDuration } : {}),
  ...(stalledInterval ? { stalledInterval } : {}),
});
worker.on('error', (err) => console.error(`worker error: ${err.message}`));
worker.on('stalled', (jobId) => console.error(`job ${jobId} stalled (its worker died or blocked): back to wait`));
worker.on('failed', (job, err) => console.error(`job ${job?.id ?? '?'} failed (attempt ${job?.attemptsMade ?? '?'}): ${err.message}`));
process.on('uncaughtException', (err) => console.error('uncaught exception:', err));
process.on('unhandledRejection', (reason) => console.error('unhandled rejection:', reason));

onShutdown(async () => {
  await worker.close();
  await Promise.allSettled([pool.end(), pub.quit()]);
});

await worker.waitUntilReady();
console.log(`bullmq-outbox worker ready (prefix ${env.prefix})`);
