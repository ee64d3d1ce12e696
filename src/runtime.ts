import http from 'node:http';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import type { Config } from './config.js';
import { buildRegistry } from './actions.js';
import { buildApp } from './app.js';
import type { WorkerKind } from './core/define-action.js';
import { toAppError } from './core/errors.js';
import type { Registry } from './core/registry.js';
import { migrationStatus, openOrm, sql, type Orm } from './infra/db.js';
import { createFeedBus, type FeedBus, type FeedMessage } from './infra/feed-bus.js';
import type { Logger } from './infra/logger.js';
import { createMailer, type Mailer } from './infra/mailer.js';
import { Metrics } from './infra/metrics.js';
import { SpanKind, withSpan, withSpanSync } from './infra/tracing.js';
import { openRateLimitStore } from './infra/rate-limit-store.js';
import { Queues } from './infra/queue.js';
import { accountsFor, type Accounts } from './domains/accounts/service.js';
import { isFinalTask } from './domains/tasks/machine.js';
import { domains, SYSTEM_KIND } from './domains.js';
import { Backpressure } from './pipeline/backpressure.js';
import { TenantShares } from './pipeline/fairness.js';
import { FeedNumbering, numberOnPool, staleFeedUsers } from './pipeline/feed-numbering.js';
import { HeldTasks } from './pipeline/held-tasks.js';
import { Outbox } from './pipeline/outbox.js';
import { reconcile } from './pipeline/reconciler.js';
import { runAlone, runTask, runTaskBatch, type TaskJob, type WorkerDeps } from './pipeline/run-task.js';
import { TaskBatches } from './pipeline/task-batch.js';
import { Submissions } from './pipeline/submissions.js';
import { Gateway } from './realtime/gateway.js';
import { Waiters } from './realtime/waiters.js';

/** The shared parts of any bureau process, built once from config and handed down. */
export interface Runtime {
  config: Config;
  log: Logger;
  orm: Orm;
  registry: Registry;
  queues: Queues;
  bus: FeedBus;
  /** Numbers committed feed entries and publishes them (every process that appends any). */
  feed: FeedNumbering;
  outbox: Outbox;
  /** Tasks held in the outbox for fairness between tenants, and their release. */
  held: HeldTasks;
  accounts: Accounts;
  /** Outgoing mail (SMTP_URL or the local outbox); used by the `mail` workers. */
  mailer: Mailer;
  /** bureau's clock: handlers, timers and invitation links read it (tests move it forward instead of sleeping). */
  clock: { now(): Date };
  /** This process's Prometheus metrics (web `/metrics`, workers METRICS_PORT). */
  metrics: Metrics;
  close(): Promise<void>;
}

/**
 * Opens the ORM, waiting for PostgreSQL while it is unreachable or starting up
 * (a process restarted during a database restart must not die at boot); gives
 * up after `waitMs`, or at once on any other error (a wrong URL, a bad password).
 */
async function openOrmWhenReady(config: Config, log: Logger, waitMs = 120_000): Promise<Orm> {
  const end = Date.now() + waitMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await openOrm(config, { poolMax: 16 });
    } catch (err) {
      if (!toAppError(err).retryable || Date.now() > end) throw err;
      log.warn({ err: (err as Error).message, attempt }, 'PostgreSQL is not reachable yet; retrying');
      await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 250 * attempt)));
    }
  }
}

export async function openRuntime(config: Config, log: Logger): Promise<Runtime> {
  const orm = await openOrmWhenReady(config, log);
  const registry = buildRegistry();
  const queues = new Queues(config, log);
  const bus = createFeedBus(config, log);
  // The numbering's own connection (feed-numbering.ts, numberOnPool): never behind the tasks waiting for the pool.
  const numbering = new pg.Pool({ connectionString: config.databaseUrl, max: 1, connectionTimeoutMillis: 5000 });
  numbering.on('error', (err) => log.warn({ err: err.message }, 'the feed numbering connection failed; the next numbering opens another'));
  const feed = new FeedNumbering(numberOnPool(numbering), bus, log);
  const outbox = new Outbox(() => orm.em.fork(), queues, log);
  const held = new HeldTasks(() => orm.em.fork(), outbox, log, config.fairness.activeSlots);
  const accounts = accountsFor(config);
  const mailer = createMailer(config, log);
  return {
    config,
    log,
    orm,
    registry,
    queues,
    bus,
    feed,
    outbox,
    held,
    accounts,
    mailer,
    clock: { now: () => new Date() },
    metrics: new Metrics(),
    async close() {
      mailer.close();
      await held.stop();
      await outbox.stop();
      await queues.close();
      await bus.close();
      await numbering.end();
      await orm.close(true);
    },
  };
}

export interface WebHandle {
  server: http.Server;
  port: number;
  gateway: Gateway;
  close(): Promise<void>;
}

/** HTTP + websocket on one port. Results arrive from workers over the feed bus. */
export async function startWeb(rt: Runtime, opts: { port?: number; host?: string } = {}): Promise<WebHandle> {
  const waiters = new Waiters();
  const shares = new TenantShares(() => rt.orm.em.fork(), { ...rt.config.fairness, refreshMs: rt.config.backlogRefreshMs }, rt.log);
  const tasks = new Submissions(rt.registry, rt.outbox, rt.feed, new Backpressure(rt.queues, rt.config.maxBacklog, rt.config.backlogRefreshMs, shares), rt.log, rt.metrics);
  const gateway = new Gateway({ orm: rt.orm, accounts: rt.accounts, config: rt.config, log: rt.log });
  const relay = (m: FeedMessage) => {
    gateway.deliver(m);
    waiters.onMessage(m);
  };
  await rt.bus.subscribe((m) => {
    rt.metrics.feedDelivered(m.body);
    if (m.taskId !== null && isFinalTask(String((m.body?.task as { status?: unknown } | undefined)?.status))) shares.settled(m.taskId);
    if (m.trace && rt.config.tracing.enabled) withSpanSync('feed push', { kind: SpanKind.CONSUMER, parent: m.trace, attributes: { 'bureau.user.id': m.userId, 'bureau.feed.seq': m.seq ?? -1 } }, () => relay(m));
    else relay(m);
  });
  const ready = () => migrationStatus(rt.orm);
  const rateLimits = openRateLimitStore(rt.config, rt.log);
  rt.metrics.gauge('bureau_websocket_connections', 'Open /ws connections on this web process.', [], () => [[{}, gateway.connections]]);
  rt.metrics.gauge('bureau_outbox_backlog', 'Tasks recorded but not yet handed to their queue (outbox rows, timers and held tasks included).', [], async () => [[{}, (await sql<{ n: number }>(rt.orm.em.fork(), 'select count(*)::int as n from outbox'))[0]?.n ?? 0]]);
  rt.metrics.gauge('bureau_tasks_held', 'Tasks held in the outbox for fairness (their tenant has its share of the queue in it), by queue.', ['queue'], async () => {
    const held = new Map((await sql<{ queue: string; n: number }>(rt.orm.em.fork(), 'select queue, count(*)::int as n from outbox where held_for is not null group by queue')).map((r) => [r.queue, r.n]));
    return domains.workerKinds.map((queue) => [{ queue }, held.get(queue) ?? 0]);
  });
  const app = buildApp({ metrics: rt.metrics, orm: rt.orm, config: rt.config, log: rt.log, registry: rt.registry, accounts: rt.accounts, workerKinds: domains.workerKinds, tasks, waiters, ready, rateLimitStore: rateLimits.store, queues: rt.queues, now: () => rt.clock.now(), bus: rt.bus });
  const server = http.createServer(app.callback());
  server.keepAliveTimeout = 65_000;
  gateway.attach(server);
  rt.outbox.startRelay(rt.config.outboxRelayIntervalMs);
  rt.held.start(rt.config.backlogRefreshMs);
  await new Promise<void>((resolve) => server.listen(opts.port ?? rt.config.port, opts.host ?? rt.config.host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    gateway,
    async close() {
      // Stop taking connections, let requests in flight finish (a submit whose task is recorded gets its
      // reply), end `wait`s early with the task's current status, and cut whatever is left after a grace.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      waiters.releaseAll();
      await gateway.close();
      const idle = setInterval(() => server.closeIdleConnections(), 50); // keep-alive sockets as their last reply ends
      const grace = setTimeout(() => server.closeAllConnections(), 5000);
      await closed;
      clearInterval(idle);
      clearTimeout(grace);
      await rateLimits.close();
    },
  };
}

const PRUNE_JOB = 'prune-feed';
const RECONCILE_JOB = 'reconcile';

/** Maintenance jobs of the system queue, by job name; every other job is a task. */
const MAINTENANCE: Record<string, (rt: Runtime) => Promise<unknown>> = {
  [PRUNE_JOB]: pruneFeed,
  [RECONCILE_JOB]: (rt) => reconcile(rt.orm.em.fork(), rt.queues, rt.log, rt.config.reconcileGraceMs),
};

/** Deletes stored results older than FEED_RETENTION_DAYS (resume reaches back that far). */
async function pruneFeed(rt: Runtime): Promise<{ deleted: number }> {
  const rows = await sql<{ n: number }>(
    rt.orm.em.fork(),
    `with d as (delete from feed_entry where created_at < now() - make_interval(days => ?) returning 1) select count(*)::int as n from d`,
    [rt.config.feedRetentionDays],
  );
  return { deleted: rows[0]?.n ?? 0 };
}

/** Entries unnumbered for longer than a numbering can take (two relay periods): their process is gone. */
async function numberStaleFeed(rt: Runtime): Promise<void> {
  const users = await staleFeedUsers(rt.orm.em.fork() as EntityManager, 2 * rt.config.outboxRelayIntervalMs);
  if (users.length) await rt.feed.settle(users);
}

/** One BullMQ worker per kind; SIGTERM lets in-flight jobs finish (close waits for them). */
export async function startWorkers(rt: Runtime, kinds: readonly WorkerKind[]): Promise<{ close(): Promise<void> }> {
  const deps: WorkerDeps = { orm: rt.orm, config: rt.config, log: rt.log, registry: rt.registry, bus: rt.bus, feed: rt.feed, outbox: rt.outbox, now: () => rt.clock.now(), mailer: rt.mailer, metrics: rt.metrics };
  // Jobs of batchable actions that start together share one transaction (pipeline/task-batch.ts).
  if (rt.config.workerBatch > 1) deps.batches = new TaskBatches<TaskJob>(rt.config.workerBatch, (jobs) => runTaskBatch(deps, jobs), (job) => runAlone(deps, job));
  rt.metrics.watchQueues(rt.queues, kinds, rt.log);
  const traced = rt.config.tracing.enabled;
  const workers = kinds.map((kind) =>
    rt.queues.worker(
      kind,
      (job) => {
        if (MAINTENANCE[job.name]) return MAINTENANCE[job.name]!(rt);
        if (!traced) return rt.held.after(kind, job.data.topUp, runTask(deps, job));
        // The job's span continues the trace of the request that submitted the task (its context is in the job data).
        const attributes = { 'messaging.destination.name': kind, 'bureau.task.id': job.data.taskId, 'bureau.attempt': job.attemptsMade + 1 };
        return rt.held.after(kind, job.data.topUp, withSpan(`run ${job.data.copy?.action ?? 'task'}`, { kind: SpanKind.CONSUMER, parent: job.data.trace, attributes }, () => runTask(deps, job)));
      },
      rt.config.workerConcurrency,
    ),
  );
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  let reschedule: NodeJS.Timeout | null = null;
  let sweep: NodeJS.Timeout | null = null;
  if (kinds.includes(SYSTEM_KIND)) {
    rt.outbox.startRelay(rt.config.outboxRelayIntervalMs);
    // Feed entries a process left unnumbered (it died between COMMIT and numbering) are numbered and pushed here.
    sweep = setInterval(() => void numberStaleFeed(rt).catch((err: Error) => rt.log.warn({ err: err.message }, 'stale feed numbering failed')), rt.config.outboxRelayIntervalMs);
    sweep.unref();
    rt.held.start(rt.config.outboxRelayIntervalMs);
    // BullMQ job schedulers, not process timers: each runs once per period however many system workers there are.
    const system = rt.queues.queue(SYSTEM_KIND);
    const schedule = async () => {
      for (const [name, every] of [[PRUNE_JOB, 3_600_000], [RECONCILE_JOB, rt.config.reconcileIntervalMs]] as const) {
        await system.upsertJobScheduler(name, { every }, { name, data: { taskId: 0 } }).catch((err: Error) => rt.log.warn({ err: err.message, job: name }, 'could not schedule a maintenance job'));
      }
    };
    await schedule();
    // The schedulers live in the queue: a flushed Redis (or one that lost its AOF) loses them too, and the
    // reconciler is what recovers from that. Upserting again is a no-op while they are there.
    reschedule = setInterval(() => void schedule(), Math.max(rt.config.reconcileIntervalMs, 1000));
    reschedule.unref();
  }
  return {
    async close() {
      if (reschedule) clearInterval(reschedule);
      if (sweep) clearInterval(sweep);
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}

