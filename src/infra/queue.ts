import { Queue, UnrecoverableError, Worker, createPostgresBackend, type Job, type Processor } from 'bullmq';
import { createRedis, type RedisClient } from './redis-connection.js';
import pg from 'pg';
import type { Config } from '../config.js';
import type { Logger } from './logger.js';
import type { TraceCarrier } from './tracing.js';

/**
 * A task as the door recorded it, for a worker to start from while it locks and
 * reads the row (see `runTask`). Queued actions take no secrets (passwords and
 * tokens go to inline actions), so a copy holds nothing the task row does not.
 */
export interface TaskCopy {
  tenant_id: number;
  actor_id: number | null;
  action: string;
  input: unknown;
  /** The submitter as the door checked it (what the task row's read joins in). */
  actor: { id: number; tenant_id: number; role: string; level: number; email: string; status: string } | null;
}

/**
 * A job names its task; a job the door dispatches also carries a copy of it. The
 * task row in PostgreSQL is the truth: a worker commits only what agrees with it.
 */
export interface JobData {
  taskId: number;
  copy?: TaskCopy;
  /** W3C trace context of the request that submitted the task (tracing on only): ids, no secret. */
  trace?: TraceCarrier;
  /** Set while the queue's slots are shared out between tenants: once the task is final, its tenant's held tasks there go to the queue until it has `share` again (pipeline/held-tasks.ts). */
  topUp?: { tenantId: number; share: number };
}

export interface Dispatch {
  taskId: number;
  queue: string;
  runAt: Date | null;
  copy?: TaskCopy;
  trace?: TraceCarrier;
  /** BullMQ priority (1 first); the door sets it from the tenant's share of the queue (see pipeline/fairness.ts). */
  priority?: number;
  /** See `JobData.topUp`. */
  topUp?: { tenantId: number; share: number };
}

export const jobIdFor = (taskId: number): string => `t-${taskId}`;

/**
 * bureau's only door to BullMQ. One Queue per worker kind, on Redis or on
 * BullMQ's PostgreSQL backend (same API), chosen by config.
 */
export class Queues {
  private readonly queues = new Map<string, Queue<JobData>>();
  private readonly workers: Worker<JobData>[] = [];
  private redis: RedisClient | null = null;

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
  ) {}

  /**
   * On BullMQ's PostgreSQL backend, the schema of its job table (in bureau's own
   * database, so the reconciler can read job states in one statement); null on Redis.
   */
  get pgJobSchema(): string | null {
    return this.config.queueBackend === 'postgres' ? pgSchemaFor(this.config.queuePrefix) : null;
  }

  /** Redis: one shared connection for producers (workers get their own, as BullMQ requires). */
  private redisConnection(): RedisClient {
    if (!this.redis) {
      this.redis = createRedis(this.config.redisUrl, { maxRetriesPerRequest: null, enableReadyCheck: true });
      this.redis.on('error', (err) => this.log.warn({ err: err.message }, 'queue redis connection error'));
    }
    return this.redis;
  }

  private pgConnection() {
    return { connectionString: this.config.databaseUrl, schema: pgSchemaFor(this.config.queuePrefix), migrate: true, max: 8 };
  }

  queue(name: string): Queue<JobData> {
    let q = this.queues.get(name);
    if (!q) {
      q =
        this.config.queueBackend === 'redis'
          ? new Queue<JobData>(name, { connection: this.redisConnection(), prefix: this.config.queuePrefix })
          : (new Queue(name, { connection: this.pgConnection() }, createPostgresBackend) as unknown as Queue<JobData>);
      q.on('error', (err) => this.log.warn({ err: err.message, queue: name }, 'queue error'));
      this.queues.set(name, q);
    }
    return q;
  }

  /** Adds one job per task, idempotently: the job id is derived from the task id. */
  async dispatch(items: Dispatch[]): Promise<void> {
    const byQueue = new Map<string, Dispatch[]>();
    for (const it of items) byQueue.set(it.queue, [...(byQueue.get(it.queue) ?? []), it]);
    const now = Date.now();
    await Promise.all(
      [...byQueue].map(([name, list]) =>
        this.queue(name).addBulk(
          list.map((it) => ({
            name: 'task',
            data: { taskId: it.taskId, ...(it.copy ? { copy: it.copy } : {}), ...(it.trace ? { trace: it.trace } : {}), ...(it.topUp ? { topUp: it.topUp } : {}) },
            opts: {
              jobId: jobIdFor(it.taskId),
              ...(it.runAt && it.runAt.getTime() > now ? { delay: it.runAt.getTime() - now } : {}),
              ...(it.priority ? { priority: it.priority } : {}),
              // Mail waits out an SMTP outage longer than a database blip.
              attempts: name === 'mail' ? this.config.mailAttempts : this.config.jobAttempts,
              backoff: { type: 'exponential', delay: this.config.jobBackoffMs },
              removeOnComplete: { age: 3600, count: 5000 },
              removeOnFail: { age: 7 * 24 * 3600, count: 10000 },
            },
          })),
        ),
      ),
    );
  }

  worker(name: string, processor: Processor<JobData>, concurrency: number): Worker<JobData> {
    const w =
      this.config.queueBackend === 'redis'
        ? new Worker<JobData>(name, processor, {
            connection: createRedis(this.config.redisUrl, { maxRetriesPerRequest: null }),
            prefix: this.config.queuePrefix,
            concurrency,
            // A worker killed mid-job: its lock expires and another worker takes the job over.
            lockDuration: this.config.jobLockMs,
            stalledInterval: this.config.stalledIntervalMs,
            maxStalledCount: 5,
          })
        : (new Worker(name, processor as Processor, { connection: this.pgConnection(), concurrency, lockDuration: this.config.jobLockMs, stalledInterval: this.config.stalledIntervalMs, maxStalledCount: 5 }, createPostgresBackend) as unknown as Worker<JobData>);
    w.on('error', (err) => this.log.warn({ err: err.message, queue: name }, 'worker error'));
    this.workers.push(w);
    return w;
  }

  /**
   * Whether the queue backend answers (GET /ping): resolves, or rejects within
   * `ms` with a message naming what is wrong (never the URL: it may hold a
   * password). Redis: a PING on the producers' connection, failing at once
   * while it is reconnecting. PostgreSQL backend: BullMQ's schema is there.
   */
  async ping(ms: number): Promise<void> {
    const redis = this.config.queueBackend === 'redis';
    const what = redis ? 'The queue backend (Redis)' : 'The queue backend (PostgreSQL)';
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
    try {
      await Promise.race([redis ? this.pingRedis() : this.pingPostgres(ms), late]);
    } catch (err) {
      throw new Error(`${what} does not answer: ${(err as Error).message}.`);
    } finally {
      clearTimeout(timer);
    }
  }

  private async pingRedis(): Promise<void> {
    const r = this.redisConnection();
    if (['reconnecting', 'close', 'end'].includes(r.status)) throw new Error(`its connection is ${r.status}`);
    await r.ping();
  }

  /** One kept connection for `/ping` (health checks come every few seconds from every balancer: no new backend per check). */
  private pingPool: pg.Pool | null = null;

  private async pingPostgres(ms: number): Promise<void> {
    if (!this.pingPool) {
      this.pingPool = new pg.Pool({ connectionString: this.config.databaseUrl, max: 1, connectionTimeoutMillis: ms, idleTimeoutMillis: 60_000 });
      this.pingPool.on('error', () => undefined);
    }
    const { rows } = await this.pingPool.query('select 1 from information_schema.schemata where schema_name = $1', [pgSchemaFor(this.config.queuePrefix)]);
    if (!rows.length) throw new Error(`its schema ${pgSchemaFor(this.config.queuePrefix)} is missing (run the release step)`);
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.workers.map((w) => w.close()));
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    if (this.redis) this.redis.disconnect();
    await this.pingPool?.end().catch(() => undefined);
  }
}

export function pgSchemaFor(prefix: string): string {
  return `bullmq_${prefix.replace(/[^a-zA-Z0-9_]/g, '_')}`.slice(0, 63);
}

export type { Job };
/**
 * Thrown by a processor, it ends the job in the failed set with its message as
 * the reason, whatever attempts are left (BullMQ matches it by class or by name,
 * on either backend). Any other error is retried with the job's backoff.
 */
export { UnrecoverableError };
