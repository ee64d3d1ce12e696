import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { FeedClient, nodeSocket } from '../../src/client/node.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { WorkerKind } from '../../src/core/define-action.js';
import { domains } from '../../src/domains.js';
import { migrate, openOrm } from '../../src/infra/db.js';
import { createLogger, type Logger } from '../../src/infra/logger.js';
import { migrateQueueSchema } from '../../src/infra/queue-schema.js';
import { dropRedisKeys } from '../../src/infra/redis-keys.js';
import { openRuntime, startWeb, startWorkers, type Runtime, type WebHandle } from '../../src/runtime.js';
import { loadDemo } from '../../fixtures/demo.js';
import { services } from './services.js';

/** Where the tests find PostgreSQL and Redis (see services.ts: the machine's own, else private ones). */
export const TEST_PG = services.pg;
/** '' when this run has no Redis (`HAS_REDIS`): the queues then run on BullMQ's PostgreSQL backend. */
export const TEST_REDIS = services.redis ?? '';
export const HAS_REDIS = services.redis !== null;

/** A test that needs Redis itself: pending, with the reason in its title, in a run without Redis. */
export function itRedis(title: string, fn: Mocha.Func): Mocha.Test {
  return HAS_REDIS ? it(title, fn) : it(`${title} [pending: ${services.noRedisReason}]`);
}

/** A suite that needs Redis itself: its tests pending, with the reason, in a run without Redis. */
export function describeRedis(title: string, fn: (this: Mocha.Suite) => void): Mocha.Suite | void {
  if (HAS_REDIS) return describe(title, fn);
  return describe(`${title} [pending: ${services.noRedisReason}]`, function () {
    // Registered before the suite's own hooks: nothing of it runs, and every test reads as pending.
    before(function () {
      this.skip();
    });
    fn.call(this);
  });
}
export const DEMO_PASSWORD = 'demo-password-for-tests';
/** Named after what shapes it, so checkouts with other migrations or demo sets (worktrees, branches) never share one. */
let TEMPLATE = '';
const TEST_ARGON2 = { memoryCost: 2048, timeCost: 1 };

function dbUrl(name: string): string {
  const u = new URL(TEST_PG);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * Drops a test database once every session on it has ended. Connections a closing
 * process is still tearing down get a few seconds to go on their own: forcing
 * them sends "terminating connection due to administrator command" to whoever
 * still holds one. Only what is left after that is forced.
 */
async function dropDatabase(name: string): Promise<void> {
  await admin(async (c) => {
    for (let i = 0; i < 50; i++) {
      const { rows } = await c.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
      if (rows[0]!.n === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await c.query(`drop database if exists ${name} with (force)`);
  });
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: TEST_PG });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Fingerprint of what shapes the template: rebuild it when migrations or the demo set change. */
function fingerprint(): string {
  const h = createHash('sha256');
  const files = [
    ...readdirSync('migrations').map((f) => join('migrations', f)),
    'fixtures/demo.ts',
    ...readdirSync('src/domains', { recursive: true, encoding: 'utf8' }).filter((f) => /(^|\/)(demo[^/]*|index)\.ts$/.test(f)).map((f) => join('src/domains', f)),
  ].sort();
  for (const f of files) h.update(f).update(readFileSync(f));
  return h.digest('hex').slice(0, 16);
}

let templateReady: Promise<void> | null = null;

/** Fails fast, with the address, when the test Redis is not there (instead of hanging in BullMQ's retries). */
async function checkRedis(): Promise<void> {
  const redis = new Redis(TEST_REDIS, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new Error(`the tests need Redis at ${TEST_REDIS} (set TEST_REDIS_URL): ${(err as Error).message}`);
  } finally {
    redis.disconnect();
  }
}

/** One migrated database with the demo data, cloned per test file (fast: CREATE DATABASE ... TEMPLATE). */
export function ensureTemplate(): Promise<void> {
  templateReady ??= (HAS_REDIS ? checkRedis() : Promise.resolve()).then(() => admin(async (c) => {
    const fp = fingerprint();
    TEMPLATE = `bureau_tpl_${fp}`;
    await c.query('select pg_advisory_lock(424242)');
    try {
      const { rows } = await c.query(`select shobj_description(oid, 'pg_database') as fp from pg_database where datname = $1`, [TEMPLATE]);
      if (rows[0]?.fp === fp) return;
      await c.query(`drop database if exists ${TEMPLATE} with (force)`);
      await c.query(`create database ${TEMPLATE}`);
      const config = loadConfig({}, { databaseUrl: dbUrl(TEMPLATE), argon2: TEST_ARGON2, logLevel: 'silent' });
      const orm = await openOrm(config, { poolMax: 2 });
      try {
        await migrate(orm);
        await loadDemo(orm.em.fork(), DEMO_PASSWORD, config);
      } finally {
        await orm.close(true);
      }
      await c.query(`comment on database ${TEMPLATE} is '${fp}'`);
    } finally {
      await c.query('select pg_advisory_unlock(424242)');
    }
  }));
  return templateReady;
}

/**
 * The template's demo SLA timers were set when the template was built; move them
 * so they are as far in the future as when they were made, or an old template
 * would fire them all at the first relay pass.
 */
async function rebaseTimers(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`with t as (update task set run_at = now() + (run_at - created_at), created_at = now()
                               where status = 'queued' and run_at is not null returning id, run_at)
                   update outbox o set run_at = t.run_at, created_at = now() - interval '1 hour' from t where o.task_id = t.id`);
  } finally {
    await c.end();
  }
}

export interface TestBureauOptions {
  queueBackend?: 'redis' | 'postgres';
  /** No Redis at all: queues on PostgreSQL, fan-out by LISTEN/NOTIFY. */
  noRedis?: boolean;
  workers?: readonly WorkerKind[];
  config?: Partial<Config>;
  /** A logger of the test's own (to read what bureau logged). */
  log?: Logger;
}

export interface TestBureau {
  url: string;
  config: Config;
  rt: Runtime;
  web: WebHandle;
  db: pg.Pool;
  login(email: string, password?: string): Promise<string>;
  post(body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  /** Posts an action and waits (up to 10 s) for its final result. */
  act(token: string, action: string, data?: unknown, extra?: Record<string, unknown>): Promise<{ status: number; body: any }>;
  feed(token: string, after?: number): Promise<Feed>;
  stopWorkers(): Promise<void>;
  startWorkers(kinds?: readonly WorkerKind[]): Promise<void>;
  close(): Promise<void>;
}

/** A bureau (web + workers in this process) on its own database clone and queue prefix. */
export async function startTestBureau(opts: TestBureauOptions = {}): Promise<TestBureau> {
  await ensureTemplate();
  const id = randomBytes(4).toString('hex');
  const dbName = `bureau_t_${id}`;
  await admin((c) => c.query(`create database ${dbName} template ${TEMPLATE}`));
  await rebaseTimers(dbUrl(dbName));
  const noRedis = opts.noRedis || !HAS_REDIS;
  const queueBackend = noRedis ? 'postgres' : (opts.queueBackend ?? 'redis');
  const config = loadConfig({}, {
    env: 'test',
    databaseUrl: dbUrl(dbName),
    redisUrl: noRedis ? '' : TEST_REDIS,
    queueBackend,
    queuePrefix: `bt${id}`,
    argon2: TEST_ARGON2,
    logLevel: process.env.TEST_LOG_LEVEL ?? 'silent',
    outboxRelayIntervalMs: 200,
    jobBackoffMs: 100,
    // Without SMTP_URL, mail goes to files: keep them out of the project's .data.
    mailOutboxDir: join(tmpdir(), 'bureau-test-outbox', id),
    ...opts.config,
  });
  if (queueBackend === 'postgres') await migrateQueueSchema(config);
  const log = opts.log ?? createLogger(config.logLevel, 'test');
  const rt = await openRuntime(config, log);
  const web = await startWeb(rt, { port: 0, host: '127.0.0.1' });
  let workers = await startWorkers(rt, opts.workers ?? domains.workerKinds);
  const url = `http://127.0.0.1:${web.port}`;
  const db = new pg.Pool({ connectionString: config.databaseUrl, max: 3 });
  // An idle client of a database being dropped must not crash the test run.
  db.on('error', () => undefined);

  const post = async (body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${url}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* leave as text */
    }
    return { status: res.status, body: parsed as any };
  };

  return {
    url,
    config,
    rt,
    web,
    db,
    post,
    async login(email, password = DEMO_PASSWORD) {
      const r = await post({ task: { action: 'login', data: { name: email, password } } });
      if (r.status !== 200) throw new Error(`login ${email} failed: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.token as string;
    },
    act: (token, action, data = {}, extra = {}) => post({ token, task: { action, data, ...extra }, wait: 10_000 }),
    feed: (token, after = 0) => openFeed(url, token, after),
    async stopWorkers() {
      await workers.close();
    },
    async startWorkers(kinds = domains.workerKinds) {
      workers = await startWorkers(rt, kinds);
    },
    async close() {
      const step = async (what: string, fn: () => Promise<unknown>) => {
        const t0 = Date.now();
        const warn = setTimeout(() => console.error(`close step still running after 5 s: ${what}`), 5000);
        await fn().finally(() => clearTimeout(warn));
        if (Date.now() - t0 > 2000) console.error(`slow close step: ${what} took ${Date.now() - t0} ms`);
      };
      await step('web', () => web.close());
      await step('workers', () => workers.close());
      await step('runtime', () => rt.close());
      await step('pool', () => db.end());
      await step('drop database', () => dropDatabase(dbName));
      if (!noRedis) await dropRedisPrefix(config.queuePrefix);
    },
  };
}

export function dropRedisPrefix(prefix: string): Promise<void> {
  return HAS_REDIS ? dropRedisKeys(TEST_REDIS, prefix) : Promise.resolve();
}

/** The migrated demo template of this checkout (after `ensureTemplate`). */
export const templateName = (): string => TEMPLATE;

export interface Feed {
  /** Every message bureau sent on this connection, as it came (duplicates included: tests check bureau sends none). */
  messages: any[];
  results(): any[];
  waitFor(pred: (m: any) => boolean, ms?: number): Promise<any>;
  /** Resolves with the socket's close code once bureau (or the test) closes it. */
  closed(): Promise<number>;
  close(): Promise<void>;
}

/** A feed over the project's one feed client (`src/client/`), without reconnection; resolves after the hello. */
export async function openFeed(url: string, token: string, after = 0, origin?: string): Promise<Feed> {
  const messages: any[] = [];
  const listeners = new Set<() => void>();
  let closedWith: (code: number) => void = () => undefined;
  const closed = new Promise<number>((resolve) => (closedWith = resolve));
  const client = new FeedClient({
    onClose: (code) => closedWith(code),
    url: url.replace(/^http/, 'ws') + '/ws',
    token,
    after,
    reconnect: false,
    socket: nodeSocket(origin ? { origin } : {}),
    onMessage: (m) => {
      messages.push(m);
      for (const l of [...listeners]) l();
    },
  });
  await client.open().catch((err: Error) => {
    throw new Error(`websocket closed before hello: ${err.message} ${JSON.stringify(messages)}`);
  });
  return {
    messages,
    results: () => messages.filter((m) => m.type === 'result' && m.seq !== undefined),
    waitFor(pred, ms = 10_000) {
      return new Promise((res, rej) => {
        const found = messages.find(pred);
        if (found) return res(found);
        const check = () => {
          const m = messages.find(pred);
          if (m) {
            listeners.delete(check);
            clearTimeout(timer);
            res(m);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          rej(new Error(`no matching feed message in ${ms} ms; got ${JSON.stringify(messages.slice(-5))}`));
        }, ms);
        listeners.add(check);
      });
    },
    closed: () => closed,
    close: () => client.close(),
  };
}
