/** What the pg-boss peer's web and worker agree on. */
import type PgBoss from 'pg-boss';

/** pg-boss's tables live in a schema of the peer's own, dropped with it. */
export const bossSchema = (prefix: string): string => `${prefix}_boss`;

/** The NOTIFY channel the web uses to wake the worker (stock pg-boss only polls). */
export const wakeChannel = (prefix: string): string => `${prefix}_wake`;

export const QUEUE = 'create_customer';

/**
 * The queue's policy, created by the web. pg-boss has no worker liveness: a job
 * whose worker died stays `active` until it expires (`expireInSeconds`, checked
 * by the supervisor's maintenance) and then goes back for a retry. The job
 * takes milliseconds, so it may expire after 10 s instead of the stock 15 min;
 * a job that really runs that long is retried, and `finish()` applies it once.
 */
export const QUEUE_POLICY: PgBoss.Queue = { name: QUEUE, policy: 'standard', expireInSeconds: 10, retryLimit: 10, retryDelay: 1, retryBackoff: true };

/** A job's data: the task row's id, nothing else (the row is the truth). */
export interface Payload {
  task: number;
}

/** Job data is re-checked at run time: an older web may have sent the job. */
export function readPayload(data: unknown): Payload {
  const task = (data as { task?: unknown } | null)?.task;
  if (!Number.isSafeInteger(task) || (task as number) <= 0) throw new Error(`${QUEUE}: job data needs a task id, got ${JSON.stringify(data)}`);
  return { task: task as number };
}
