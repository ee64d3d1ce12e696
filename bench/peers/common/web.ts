/**
 * A peer's web process, shared by every peer: `POST /act {tenant, user, name}`
 * inserts the task row and enqueues its job (the peer's `enqueue`, on the same
 * client) in ONE transaction, and answers `202 {id}` only after COMMIT;
 * `GET /ws?user=N&after=S` streams user N's feed after seq S, then live
 * entries (see feed-socket.ts).
 */
import http from 'node:http';
import Koa from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import pg from 'pg';
import { WebSocketServer } from 'ws';
import { FeedSocket } from './feed-socket.js';
import type { LiveSource } from './pg-listen.js';
import { ensureSchema, type PeerTables } from './schema.js';
import { pooledTransaction } from './transaction.js';

export interface NewTask {
  id: number;
  tenant: number;
  user: number;
  name: string;
}

export interface PeerWebOptions {
  databaseUrl: string;
  port: number;
  tables: PeerTables;
  /** Adds the task's job inside the caller's transaction, on `client`. */
  enqueue(client: pg.PoolClient, task: NewTask): Promise<void>;
  live: LiveSource;
  /** Pool size of the web (default 16, as the baseline worker's). */
  poolMax?: number;
  /** A pool the caller owns (and ends after close()); default: one of `poolMax` connections that close() ends. */
  pool?: pg.Pool;
  /** Called after COMMIT, before the 202 is sent (not awaited: the task is accepted whatever it does). */
  afterCommit?(task: NewTask): void;
}

export interface PeerWeb {
  port: number;
  close(): Promise<void>;
}

class BadRequest extends Error {}

const positiveInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;

function readAct(body: unknown): Omit<NewTask, 'id'> {
  const b = (body ?? {}) as Record<string, unknown>;
  if (!positiveInt(b.tenant)) throw new BadRequest('tenant must be a positive integer');
  if (!positiveInt(b.user)) throw new BadRequest('user must be a positive integer');
  if (typeof b.name !== 'string' || b.name.length === 0) throw new BadRequest('name must be a non-empty string');
  return { tenant: b.tenant, user: b.user, name: b.name };
}

export async function startPeerWeb(opts: PeerWebOptions): Promise<PeerWeb> {
  const { tables: t } = opts;
  const pool = opts.pool ?? new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolMax ?? 16 });
  await ensureSchema(pool, t);

  const router = new Router();
  router.post('/act', async (ctx) => {
    const act = readAct(ctx.request.body);
    const id = await pooledTransaction(pool, async (client) => {
      const { rows } = await client.query<{ id: string }>(`insert into ${t.task} (tenant_id, user_id, name) values ($1, $2, $3) returning id`, [act.tenant, act.user, act.name]);
      const taskId = Number(rows[0]!.id);
      await opts.enqueue(client, { id: taskId, ...act });
      return taskId;
    });
    opts.afterCommit?.({ id, ...act });
    ctx.status = 202;
    ctx.body = { id };
  });

  const app = new Koa();
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const e = err as Error & { status?: number; expose?: boolean };
      const status = err instanceof BadRequest ? 400 : e.status && e.status < 500 ? e.status : 500;
      if (status >= 500) console.error('POST /act failed:', err);
      ctx.status = status;
      ctx.body = { error: { code: status === 400 ? 'VALIDATION_FAILED' : status < 500 ? 'BAD_REQUEST' : 'INTERNAL', message: status < 500 ? e.message : 'internal error' } };
    }
  });
  app.use(bodyParser({ enableTypes: ['json'], onError: (err) => { throw new BadRequest(`malformed JSON: ${err.message}`); } }));
  app.use(router.routes());

  const server = http.createServer(app.callback());
  server.keepAliveTimeout = 65_000;
  const wss = new WebSocketServer({ server, path: '/ws' });
  const byUser = new Map<number, Set<FeedSocket>>();
  wss.on('connection', (ws, req) => {
    const q = new URL(req.url ?? '', 'http://x').searchParams;
    const user = Number(q.get('user'));
    const after = Number(q.get('after') ?? 0);
    if (!positiveInt(user) || !Number.isSafeInteger(after) || after < 0) return ws.close(1008, 'user must be a positive integer, after a seq');
    const sock = new FeedSocket(ws, pool, t, user, after);
    const set = byUser.get(user) ?? new Set();
    set.add(sock);
    byUser.set(user, set);
    ws.on('close', () => {
      set.delete(sock);
      if (set.size === 0 && byUser.get(user) === set) byUser.delete(user);
    });
    ws.on('error', () => undefined);
    sock.start();
  });

  const live = await opts.live(
    (n) => {
      for (const s of byUser.get(n.user) ?? []) s.notice(n);
    },
    () => {
      for (const set of byUser.values()) for (const s of set) s.repair();
    },
  );
  await new Promise<void>((resolve) => server.listen(opts.port, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : opts.port,
    async close() {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await live.close();
      if (!opts.pool) await pool.end();
    },
  };
}
