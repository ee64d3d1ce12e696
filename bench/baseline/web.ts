/**
 * The bench's reference pipeline, web half: Koa `POST /act` -> BullMQ `add` ->
 * 202 with an id; results arrive on a Redis pub/sub channel and go to the
 * user's websockets. None of bureau's guarantees: no auth, no validation, no
 * task records, no resume. Env: PORT, REDIS_URL, BASE_PREFIX.
 */
import http from 'node:http';
import Koa from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { WebSocketServer, type WebSocket } from 'ws';

const port = Number(process.env.PORT ?? 3100);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = process.env.BASE_PREFIX ?? 'benchbase';

const queue = new Queue('create', { connection: new Redis(redisUrl, { maxRetriesPerRequest: null }), prefix });
let counter = 0;

const router = new Router();
router.post('/act', async (ctx) => {
  const body = ctx.request.body as { tenant: number; user: number; name: string };
  const id = `${process.pid}-${++counter}`;
  await queue.add('create', { id, tenant: body.tenant, user: body.user, name: body.name }, { jobId: id, removeOnComplete: { count: 5000 }, removeOnFail: { count: 10000 } });
  ctx.status = 202;
  ctx.body = { id };
});
const app = new Koa();
app.use(bodyParser({ enableTypes: ['json'] }));
app.use(router.routes());

const server = http.createServer(app.callback());
server.keepAliveTimeout = 65_000;
const wss = new WebSocketServer({ server, path: '/ws' });
const byUser = new Map<number, Set<WebSocket>>();
wss.on('connection', (ws, req) => {
  const user = Number(new URL(req.url ?? '', 'http://x').searchParams.get('user'));
  const set = byUser.get(user) ?? new Set();
  set.add(ws);
  byUser.set(user, set);
  ws.on('close', () => set.delete(ws));
  ws.send(JSON.stringify({ type: 'hello' }));
});

const sub = new Redis(redisUrl, { maxRetriesPerRequest: null });
sub.on('message', (_channel: string, payload: string) => {
  const m = JSON.parse(payload) as { user: number };
  for (const ws of byUser.get(m.user) ?? []) ws.send(payload);
});
await sub.subscribe(`${prefix}:results`);
server.listen(port, '127.0.0.1', () => console.log(`baseline web listening on ${port}`));

process.on('SIGTERM', () => {
  for (const ws of wss.clients) ws.terminate();
  server.close();
  void Promise.allSettled([queue.close(), sub.quit()]).then(() => process.exit(0));
});
