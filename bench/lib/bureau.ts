import { readFileSync } from 'node:fs';
import { Queue, createPostgresBackend } from 'bullmq';
import { Redis } from 'ioredis';
import { pickFreePort } from '../../src/infra/free-port.js';
import { pgSchemaFor } from '../../src/infra/queue.js';
import { ensureBuilt } from '../../scripts/build.js';
import { postJson, type UserSlot } from './load.js';
import { spawnProc, type Proc } from './procs.js';

/** One Procfile line. */
export interface ProcLine {
  kind: string;
  args: string[];
}

/** The Procfile's processes (`node ...` lines), as bureau is deployed. */
export function procfile(file = 'Procfile'): ProcLine[] {
  // The Procfile runs dist/: the bench measures the compiled code production runs.
  ensureBuilt();
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => /^(\w+):\s*node\s+(.+)$/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ kind: m[1]!, args: m[2]!.split(/\s+/) }));
}

export interface BureauMode {
  label: string;
  databaseUrl: string;
  /** Empty: no Redis, queues on BullMQ's PostgreSQL backend and fan-out by NOTIFY. */
  redisUrl: string;
  queuePrefix: string;
  /** Extra environment (MAX_BACKLOG, WORKER_CONCURRENCY...). */
  env: Record<string, string>;
  logDir: string;
  /** node flags for every bureau process (e.g. --cpu-prof). */
  nodeFlags?: string[];
}

export interface RunningBureau {
  url: string;
  procs: Proc[];
  env: NodeJS.ProcessEnv;
  /** Jobs waiting in a queue (what back-pressure reads). */
  depth(queue: string): Promise<number>;
  stop(): Promise<void>;
}

function bureauEnv(mode: BureauMode, port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (/^(DATABASE_URL|REDIS_URL|QUEUE_|TEST_|MAX_BACKLOG|WORKER_CONCURRENCY)/.test(k)) delete env[k];
  return {
    ...env,
    NODE_ENV: 'production',
    DATABASE_URL: mode.databaseUrl,
    ...(mode.redisUrl ? { REDIS_URL: mode.redisUrl, QUEUE_BACKEND: 'redis' } : { QUEUE_BACKEND: 'postgres' }),
    QUEUE_PREFIX: mode.queuePrefix,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    ...mode.env,
  };
}

/** Runs the Procfile's `release` step (migrations, and the BullMQ schema on PostgreSQL). */
export async function release(mode: BureauMode): Promise<void> {
  const line = procfile().find((p) => p.kind === 'release');
  if (!line) throw new Error('Procfile has no release line');
  const p = spawnProc(`${mode.queuePrefix}-release`, line.args, bureauEnv(mode, 0), mode.logDir);
  const code = await p.exited;
  if (code !== 0) throw new Error(`release exited ${code} (see ${mode.logDir})`);
}

/** Starts every Procfile process but `release`: one web and one process per worker kind. */
export async function startBureau(mode: BureauMode): Promise<RunningBureau> {
  const port = await pickFreePort();
  const env = bureauEnv(mode, port);
  const lines = procfile().filter((p) => p.kind !== 'release');
  const procs = lines.map((l) => spawnProc(`${mode.queuePrefix}-${l.kind}`, [...(mode.nodeFlags ?? []), ...l.args], env, mode.logDir));
  const url = `http://127.0.0.1:${port}`;
  const queues = new Map<string, Queue>();
  const redis = mode.redisUrl ? new Redis(mode.redisUrl, { maxRetriesPerRequest: 2 }) : null;
  const running: RunningBureau = {
    url,
    procs,
    env,
    async depth(name) {
      if (redis) {
        const [wait, prio] = await Promise.all([redis.llen(`${mode.queuePrefix}:${name}:wait`), redis.zcard(`${mode.queuePrefix}:${name}:prioritized`)]);
        return wait + prio;
      }
      let q = queues.get(name);
      if (!q) {
        q = new Queue(name, { connection: { connectionString: mode.databaseUrl, schema: pgSchemaFor(mode.queuePrefix), max: 1 } }, createPostgresBackend) as unknown as Queue;
        queues.set(name, q);
      }
      return q.getJobCountByTypes('wait', 'prioritized');
    },
    async stop() {
      await Promise.allSettled(procs.map((p) => p.stop()));
      await Promise.allSettled([...queues.values()].map((q) => q.close()));
      redis?.disconnect();
    },
  };
  try {
    await Promise.all(procs.map((p) => (p.name.endsWith('-web') ? p.waitFor(/web listening/) : p.waitFor(/workers ready/))));
    for (let i = 0; ; i++) {
      const res = await fetch(`${url}/ping`).catch(() => null);
      if (res?.status === 200) break;
      if (i > 100) throw new Error('bureau /ping never answered 200');
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    await running.stop();
    throw err;
  }
  return running;
}

/** Logs the users in through the API; each gets its own session token. */
export async function loginAll(url: string, users: { email: string; password: string }[]): Promise<UserSlot[]> {
  const out: UserSlot[] = [];
  for (const u of users) {
    const res = await postJson(`${url}/api/v1`, { task: { action: 'login', data: { name: u.email, password: u.password } } });
    const body = res.body as { token?: string; user?: { id: number; tenantId: number; role: string } };
    if (res.status !== 200 || !body.token) throw new Error(`login ${u.email}: ${res.status} ${JSON.stringify(res.body)}`);
    out.push({ name: u.email, auth: { token: body.token, userId: body.user!.id, tenantId: body.user!.tenantId, role: body.user!.role } });
  }
  return out;
}
