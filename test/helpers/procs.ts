/**
 * bureau's Procfile processes as real child processes, and services of our own
 * (an embedded PostgreSQL, a redis-server with an append-only file) that a test
 * may kill and restart. Used by the end-to-end, scale-out, feed-churn and chaos
 * tests, and by `npm run chaos`.
 *
 * Every child runs in its own process group (detached), so stopping one never
 * signals anything we did not start.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../src/config.js';
import { openOrm } from '../../src/infra/db.js';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../src/infra/embedded-postgres.js';
import { pickFreePort } from '../../src/infra/free-port.js';
import { startRedisChild, type RedisChildHandle } from '../../src/infra/redis-child.js';
import { loadDemo } from '../../fixtures/demo.js';
import { DEMO_PASSWORD, TEST_PG, dropRedisPrefix, ensureTemplate, templateName } from './bureau.js';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` every 100 ms until it holds; a deadline, not a timing assertion: it only keeps a broken run from hanging. */
export async function until(check: () => Promise<boolean> | boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await Promise.resolve().then(check).catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

/** The Procfile, as process name -> command. */
export function readProcfile(file = 'Procfile'): Map<string, string> {
  return new Map(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => /^\w[\w-]*:/.test(l))
      .map((l) => [l.slice(0, l.indexOf(':')).trim(), l.slice(l.indexOf(':') + 1).trim()] as const),
  );
}

export interface Proc {
  name: string;
  child: ChildProcess;
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` to the process (its group: nothing else is in it). */
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const SETPRIV = spawnSync('sh', ['-c', 'command -v setpriv']).status === 0;
/** Process groups of children still running, killed if we exit without stopping them. */
const live = new Set<number>();
let exitHook = false;

/** Starts the Procfile's `name` line with `env`. Its stderr comes through to ours, each line marked, unless `stderr: false`; its stdout (the logs) only to `onLine`. */
export function spawnProc(name: string, env: NodeJS.ProcessEnv, opts: { procfile?: Map<string, string>; stderr?: boolean; /** Sees each stderr line first; true swallows it. */ onLine?: (line: string) => boolean } = {}): Proc {
  const cmd = (opts.procfile ?? readProcfile()).get(name);
  if (!cmd) throw new Error(`no ${name} line in the Procfile`);
  // setpriv: the child dies with us even if we are SIGKILLed (it is detached, so no terminal signal reaches it).
  const out = opts.stderr === false ? 'ignore' : 'pipe';
  const child = spawn('sh', ['-c', `exec ${SETPRIV ? 'setpriv --pdeathsig KILL -- ' : ''}${cmd}`], { env, stdio: ['ignore', opts.onLine ? 'pipe' : 'ignore', out], detached: true });
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  const pid = child.pid;
  // Its stderr (and with `onLine` its stdout, where the logs go), each line marked with the process it came from.
  const lineReader = () => {
    let partial = '';
    return (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim() && !opts.onLine?.(line)) process.stderr.write(`[${name} ${pid}] ${line}\n`);
    };
  };
  child.stderr?.on('data', lineReader());
  child.stdout?.on('data', lineReader());
  live.add(pid);
  child.once('exit', () => live.delete(pid));
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const p of live) {
        try {
          process.kill(-p, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    });
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const alive = () => child.exitCode === null && child.signalCode === null;
  const signal = (s: NodeJS.Signals) => {
    if (!alive()) return;
    try {
      process.kill(-pid, s);
    } catch {
      /* already gone */
    }
  };
  return {
    name,
    child,
    pid,
    exited,
    signal,
    async stop(graceMs = 30_000) {
      signal('SIGTERM');
      const t = setTimeout(() => signal('SIGKILL'), graceMs);
      const r = await exited;
      clearTimeout(t);
      return r;
    },
  };
}

/** Resolves once `GET url/ping` answers 200. */
export async function waitForPing(url: string, ms = 90_000): Promise<void> {
  await until(async () => (await fetch(`${url}/ping`, { signal: AbortSignal.timeout(2000) })).status === 200, ms, `${url}/ping`);
}

/** A PostgreSQL of our own (embedded-postgres in a temp dir), that can be restarted in immediate mode. */
export interface OwnPostgres {
  url: string;
  port: number;
  dataDir: string;
  /** SIGQUIT to the postmaster (`pg_ctl stop -m immediate`: no checkpoint, crash recovery at the next start), then start it again on the same port. */
  restartImmediate(): Promise<void>;
  stop(): Promise<void>;
}

export async function startOwnPostgres(database = 'bureau', opts: { maxConnections?: number } = {}): Promise<OwnPostgres> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bureau-pg-'));
  chmodSync(dataDir, 0o755); // as root the server runs as the `postgres` user, which must reach it
  const port = await pickFreePort();
  let handle: EmbeddedPostgresHandle = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'data'), port, database });
  if (opts.maxConnections) {
    // Sized for the processes, as a production database would be (docs/scaling.md): takes a restart.
    const c = new pg.Client({ connectionString: handle.url });
    await c.connect();
    await c.query(`alter system set max_connections = ${Number(opts.maxConnections)}`);
    await c.end();
    await handle.stop();
    handle = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'data'), port, database });
  }
  const postmasterPid = () => Number(readFileSync(path.join(dataDir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const isAlive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  return {
    url: handle.url,
    port,
    dataDir,
    async restartImmediate() {
      const pid = postmasterPid();
      process.kill(pid, 'SIGQUIT');
      await until(() => !isAlive(pid), 30_000, 'the postmaster to exit');
      await handle.stop();
      handle = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'data'), port, database });
    },
    async stop() {
      await handle.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A redis-server of our own with `appendonly yes` (fsync every second), killable and restartable on the same port. */
export interface OwnRedis {
  url: string;
  port: number;
  /** kill -9, then start again on the same port and AOF: whatever the last second wrote may be gone. */
  killAndRestart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bureau-redis-'));
  const port = await pickFreePort();
  let handle: RedisChildHandle = await startRedisChild({ dataDir, port });
  return {
    url: handle.url,
    port,
    async killAndRestart(downMs = 500) {
      process.kill(handle.pid, 'SIGKILL');
      await handle.stop(); // resolves once the killed child is reaped
      await sleep(downMs);
      handle = await startRedisChild({ dataDir, port });
    },
    async stop() {
      await handle.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs the Procfile's `release` step and loads the demo tenants (users with DEMO_PASSWORD). */
export async function releaseWithDemo(env: NodeJS.ProcessEnv): Promise<void> {
  const cmd = readProcfile().get('release')!;
  const release = spawnSync('sh', ['-c', cmd], { env, encoding: 'utf8', timeout: 120_000 });
  if (release.status !== 0) throw new Error(`release failed (${release.status}): ${release.stderr}`);
  const config = loadConfig({}, { databaseUrl: env.DATABASE_URL!, argon2: { memoryCost: 2048, timeCost: 1 } });
  const orm = await openOrm(config, { poolMax: 2 });
  try {
    await loadDemo(orm.em.fork(), DEMO_PASSWORD, config);
  } finally {
    await orm.close(true);
  }
}

/**
 * A database of its own on the test PostgreSQL (a clone of the migrated demo
 * template) and a queue prefix of its own on the test Redis, for Procfile
 * processes; `drop()` removes both.
 */
export async function testDatabase(): Promise<{ url: string; prefix: string; drop(): Promise<void> }> {
  await ensureTemplate();
  const id = randomBytes(4).toString('hex');
  const name = `bureau_x_${id}`;
  const admin = async (q: string) => {
    const c = new pg.Client({ connectionString: TEST_PG });
    await c.connect();
    try {
      await c.query(q);
    } finally {
      await c.end();
    }
  };
  await admin(`create database ${name} template ${templateName()}`);
  const url = Object.assign(new URL(TEST_PG), { pathname: `/${name}` }).toString();
  const prefix = `bx${id}`;
  return {
    url,
    prefix,
    async drop() {
      await admin(`drop database if exists ${name} with (force)`);
      await dropRedisPrefix(prefix);
    },
  };
}

/** Environment for Procfile processes: short locks so a killed worker's jobs come back quickly, quiet logs. */
export function procEnv(vars: { databaseUrl: string; redisUrl: string; prefix?: string; port?: number; queueBackend?: 'redis' | 'postgres' }, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: vars.databaseUrl,
    REDIS_URL: vars.redisUrl,
    QUEUE_BACKEND: vars.queueBackend ?? (vars.redisUrl ? 'redis' : 'postgres'),
    QUEUE_PREFIX: vars.prefix ?? 'bureau',
    HOST: '127.0.0.1',
    PORT: String(vars.port ?? 0),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
    ARGON2_MEMORY_KIB: '2048',
    ARGON2_TIME_COST: '1',
    JOB_LOCK_MS: '4000',
    STALLED_INTERVAL_MS: '1000',
    JOB_BACKOFF_MS: '200',
    OUTBOX_RELAY_INTERVAL_MS: '500',
    ...extra,
  };
}
