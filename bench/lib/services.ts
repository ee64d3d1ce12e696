import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { startEmbeddedPostgres } from '../../src/infra/embedded-postgres.js';
import { findRedisServer, startRedisChild } from '../../src/infra/redis-child.js';
import { dropRedisKeys } from '../../src/infra/redis-keys.js';

/**
 * The PostgreSQL and Redis a bench run works against. DATABASE_URL / REDIS_URL
 * when set (the bench creates and drops its own database there, and uses its
 * own key prefixes); otherwise bureau's embedded default: a private
 * PostgreSQL (embedded-postgres) and a private redis-server child, both
 * started fresh under .data/bench and removed afterwards.
 */
export interface Services {
  /** Server-level url (any database): used to create/drop the bench database. */
  adminUrl: string;
  /** The bench database. */
  databaseUrl: string;
  redisUrl: string;
  describe: { postgres: string; redis: string; postgresVersion?: string; redisVersion?: string };
  /** pg_stat_statements is loaded (embedded default): round trips per action can be counted. */
  statements: boolean;
  /** pids of the postmaster and redis-server when the bench started them (their CPU goes in the budget). */
  pids: { postgres?: number; redis?: number };
  stop(): Promise<void>;
}

const BENCH_DB = 'bureau_bench';

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

async function query<T extends pg.QueryResultRow = pg.QueryResultRow>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text, params)).rows;
  } finally {
    await c.end();
  }
}

export async function startServices(env: NodeJS.ProcessEnv, log: (m: string) => void): Promise<Services> {
  const stops: (() => Promise<void>)[] = [];
  const dataRoot = path.resolve(env.DATA_DIR || '.data', 'bench');
  let adminUrl: string;
  let postgres: string;
  let statements = false;
  const pids: Services['pids'] = {};
  try {
    if (env.DATABASE_URL) {
      adminUrl = env.DATABASE_URL;
      postgres = 'DATABASE_URL';
    } else {
      const dir = path.join(dataRoot, 'pg');
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dataRoot, { recursive: true });
      // First start initialises the cluster; settings that need a restart go in by ALTER SYSTEM, then a second start.
      let server = await startEmbeddedPostgres({ dataDir: dir, database: 'postgres' });
      await query(server.url, `alter system set max_connections = 400`);
      await query(server.url, `alter system set shared_preload_libraries = 'pg_stat_statements'`);
      await server.stop();
      server = await startEmbeddedPostgres({ dataDir: dir, database: 'postgres' });
      stops.push(async () => {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      });
      adminUrl = server.url;
      pids.postgres = Number(readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      postgres = 'embedded PostgreSQL (embedded-postgres, max_connections 400, pg_stat_statements)';
      statements = true;
    }
    await query(adminUrl, `drop database if exists ${BENCH_DB} with (force)`);
    await query(adminUrl, `create database ${BENCH_DB}`);
    const databaseUrl = withDatabase(adminUrl, BENCH_DB);
    stops.push(() => query(adminUrl, `drop database if exists ${BENCH_DB} with (force)`).then(() => undefined));
    if (statements) await query(databaseUrl, 'create extension if not exists pg_stat_statements');
    else statements = (await query(databaseUrl, `select 1 from pg_extension where extname = 'pg_stat_statements'`).catch(() => [])).length > 0;
    const [v] = await query<{ v: string }>(databaseUrl, `select current_setting('server_version') as v`);

    let redisUrl: string;
    let redis: string;
    if (env.REDIS_URL) {
      redisUrl = env.REDIS_URL;
      redis = 'REDIS_URL';
    } else {
      const binary = findRedisServer();
      if (!binary) throw new Error('no REDIS_URL and no redis-server on the PATH: the bench needs Redis for the baseline');
      const dir = path.join(dataRoot, 'redis');
      rmSync(dir, { recursive: true, force: true });
      const child = await startRedisChild({ dataDir: dir, binary });
      stops.push(async () => {
        await child.stop();
        rmSync(dir, { recursive: true, force: true });
      });
      redisUrl = child.url;
      pids.redis = child.pid;
      redis = 'private redis-server child (appendonly yes, everysec), as npm start runs it';
    }
    const r = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    const info = await r.info('server');
    r.disconnect();
    log(`services: postgres ${postgres}, redis ${redis}`);
    return {
      adminUrl,
      databaseUrl,
      redisUrl,
      statements,
      pids,
      describe: { postgres, redis, postgresVersion: v?.v, redisVersion: /redis_version:(\S+)/.exec(info)?.[1] },
      async stop() {
        for (const s of stops.reverse()) await s().catch((err: Error) => log(`stop step failed: ${err.message}`));
      },
    };
  } catch (err) {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    throw err;
  }
}

/** Deletes every Redis key under `prefix:` (a queue prefix of this run). */
export const dropPrefix = (redisUrl: string, prefix: string): Promise<void> => dropRedisKeys(redisUrl, prefix);

export { query };
