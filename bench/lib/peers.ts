/**
 * The same-promise peers (bench/peers/<dir>/): the bench's create_customer
 * round trip built by hand on the job queues people already use, keeping
 * bureau's promises (the task row and its job committed together, 202 after
 * COMMIT, the effect applied once, a per-user feed that resumes exactly).
 * Each peer is a web and a worker process; `startPeer` runs them against the
 * bench's database (tables, queue schemas and Redis keys under a prefix of the
 * peer's own) and `stop()` removes all of it.
 */
import pg from 'pg';
import { pickFreePort } from '../../src/infra/free-port.js';
import type { Target, UserSlot } from './load.js';
import { connectedSide, type BaselineSide } from './baseline.js';
import { spawnProc } from './procs.js';
import { dropPrefix, type Services } from './services.js';
import { LOGS } from './settings.js';

export type PeerName = 'graphile-worker' | 'pg-boss' | 'bullmq-outbox';
export const PEERS: readonly PeerName[] = ['graphile-worker', 'pg-boss', 'bullmq-outbox'];

/** Where each peer lives under bench/peers/ (one line per peer). */
const PEER_DIRS: Partial<Record<PeerName, string>> = {
  'graphile-worker': 'graphile-worker',
  'pg-boss': 'pg-boss',
  'bullmq-outbox': 'bullmq-outbox',
};

/** Spawns the peer's web (which creates its tables and queue schema), then its worker, and opens every user's websocket. */
export async function startPeer(name: PeerName, svc: Services, users: UserSlot[]): Promise<BaselineSide> {
  const dir = PEER_DIRS[name];
  if (!dir) throw new Error(`peer ${name}: no directory under bench/peers/ yet`);
  const port = await pickFreePort();
  const prefix = `peer_${name.replace(/-/g, '_')}_${process.pid}`;
  const env = { ...process.env, PORT: String(port), DATABASE_URL: svc.databaseUrl, REDIS_URL: svc.redisUrl, PEER_PREFIX: prefix };
  const entry = (side: string) => ['--import', 'tsx', `bench/peers/${dir}/${side}.ts`];
  const web = spawnProc(`${name}-web`, entry('web'), env, LOGS);
  let worker: ReturnType<typeof spawnProc> | null = null;
  const stop = async () => {
    await Promise.allSettled([web.stop(), worker?.stop()]);
    await dropPeerState(svc, prefix);
  };
  try {
    await web.waitFor(/listening/);
    worker = spawnProc(`${name}-worker`, entry('worker'), env, LOGS);
    await worker.waitFor(/ready/);
    return await connectedSide(peerTarget(name, `http://127.0.0.1:${port}`), users, [web, worker], stop);
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A peer's door: `POST /act {tenant, user, name}` -> 202 {id}; `/ws?user=N&after=S` sends `{user, seq, id, status, result}` and resumes after S. */
export function peerTarget(name: string, baseUrl: string): Target {
  return {
    name,
    baseUrl,
    wsFor: (u, lastSeq) => ({ url: `${baseUrl.replace(/^http/, 'ws')}/ws?user=${u.auth.userId}&after=${lastSeq}`, hello: null }),
    parseResult(m) {
      const r = m as { id?: number; seq?: number; status?: string; result?: unknown };
      return r.id !== undefined && r.seq !== undefined ? { id: String(r.id), outcome: { ok: r.status === 'succeeded', code: r.status, result: r.result } } : null;
    },
    request: (u, _action, data) => ({ path: '/act', body: { tenant: u.auth.tenantId, user: u.auth.userId, ...(data as object) } }),
    parsePosted(status, body) {
      const b = body as { id?: number; error?: { code: string } } | null;
      return { status, id: b?.id !== undefined ? String(b.id) : undefined, code: b?.error?.code };
    },
  };
}

/** Drops the peer's tables (`<prefix>_*`), its queue library's schemas (`<prefix>_*`) and its Redis keys (`<prefix>:*`). */
async function dropPeerState(svc: Services, prefix: string): Promise<void> {
  const c = new pg.Client({ connectionString: svc.databaseUrl });
  await c.connect();
  try {
    const like = `${prefix.replace(/_/g, '\\_')}\\_%`;
    const schemas = await c.query<{ name: string }>('select nspname as name from pg_namespace where nspname like $1', [like]);
    for (const s of schemas.rows) await c.query(`drop schema if exists "${s.name}" cascade`);
    const tables = await c.query<{ name: string }>(`select tablename as name from pg_tables where schemaname = 'public' and tablename like $1`, [like]);
    if (tables.rows.length > 0) await c.query(`drop table if exists ${tables.rows.map((t) => `"${t.name}"`).join(', ')} cascade`);
  } finally {
    await c.end();
  }
  await dropPrefix(svc.redisUrl, prefix);
}
