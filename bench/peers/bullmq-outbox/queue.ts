/**
 * The BullMQ side of the bullmq-outbox peer: one queue, its job options and
 * the two kinds of Redis connection BullMQ's "going to production" guide asks
 * for. A job carries only the task id (BullMQ stores job data in clear text;
 * the task row holds the input), and its BullMQ id is derived from the task id,
 * so adding the same task twice (the door after commit, then the relay) is a
 * no-op while the first job is still kept.
 */
import { Queue, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';

export const QUEUE_NAME = 'create';

export interface TaskJob {
  taskId: string;
}

/** Custom BullMQ ids may not be integers (nor hold `:`), so the task id gets a letter in front. */
export const jobIdOf = (taskId: string): string => `t${taskId}`;

/**
 * Retries for infrastructure failures (PostgreSQL restarting, a deadlock) with
 * exponential backoff; a handful of completed jobs kept for visibility, failed
 * ones kept longer for debugging, as the guide's "auto-job removal" advises.
 */
export const JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: { count: 1000 },
  removeOnFail: { count: 10_000 },
};

/** The producer's connection fails fast while Redis is away (enableOfflineQueue off): the outbox row keeps the promise, the relay retries. */
export function producerConnection(redisUrl: string): Redis {
  return new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
}

/** A Worker's connection waits for Redis indefinitely instead of throwing (`maxRetriesPerRequest: null`). */
export function workerConnection(redisUrl: string): Redis {
  return new Redis(redisUrl, { maxRetriesPerRequest: null });
}

/**
 * Resolves once the queue's connection is ready: Redis must be there at boot.
 * (With `skipWaitingForReady` BullMQ sends its version check at once, and on a
 * connection that is not up yet and has no offline queue that check fails and
 * the queue never recovers; so the door waits instead.) Afterwards an add
 * while Redis is away rejects at once.
 */
export async function openQueue(redisUrl: string, prefix: string, log: (msg: string) => void): Promise<Queue<TaskJob>> {
  const queue = new Queue<TaskJob>(QUEUE_NAME, { connection: producerConnection(redisUrl), prefix, defaultJobOptions: JOB_OPTIONS });
  queue.on('error', (err) => log(`queue error: ${err.message}`));
  await queue.waitUntilReady();
  return queue;
}
