import { FeedClient } from '../../src/client/node.js';
import type { ResultFeed } from './target-contract.js';
import type { Target, UserSlot } from './load.js';

/** The reference pipeline: `POST /act {tenant, user, name}` -> 202 {id}; `/ws?user=N` pushes `{user, id, status, result}`. */
export function baselineTarget(baseUrl: string): Target {
  return {
    name: 'baseline',
    baseUrl,
    wsFor: (u: UserSlot) => ({ url: `${baseUrl.replace(/^http/, 'ws')}/ws?user=${u.auth.userId}`, hello: null }),
    parseResult(m) {
      const r = m as { id?: string; status?: string; result?: unknown };
      return r.id ? { id: r.id, outcome: { ok: r.status === 'succeeded', result: r.result } } : null;
    },
    request: (u, _action, data) => ({ path: '/act', body: { tenant: u.auth.tenantId, user: u.auth.userId, ...(data as object) } }),
    parsePosted(status, body) {
      const b = body as { id?: string };
      return { status, id: b?.id };
    },
  };
}

/** bureau's public API: the seed-001 envelope on `POST /api/v1`, results on `/ws` after a `{token, after}` hello. */
export function bureauTarget(baseUrl: string): Target {
  return {
    name: 'bureau',
    baseUrl,
    wsFor: (u: UserSlot, lastSeq: number) => ({ url: `${baseUrl.replace(/^http/, 'ws')}/ws`, hello: { token: u.auth.token, after: lastSeq } }),
    parseResult(m) {
      const r = m as { type?: string; seq?: number; task?: { id: number; status: string; result?: unknown; error?: { code: string } } };
      if (r.type !== 'result' || r.seq === undefined || !r.task) return null;
      if (r.task.status !== 'succeeded' && r.task.status !== 'failed' && r.task.status !== 'cancelled') return null;
      return { id: String(r.task.id), outcome: { ok: r.task.status === 'succeeded', code: r.task.error?.code ?? r.task.status, result: r.task.result } };
    },
    request: (u, action, data) => ({ path: '/api/v1', body: { token: u.auth.token, task: { action, data } } }),
    parsePosted(status, body, headers) {
      const b = body as { task?: { id: number }; error?: { code: string } };
      return { status, id: b?.task ? String(b.task.id) : undefined, code: b?.error?.code, retryAfter: headers['retry-after'] as string | undefined };
    },
    openFeed: (u: UserSlot) => clientFeed(baseUrl, u),
  };
}

/** A user's feed through bureau's own client: it resumes from its last seq after a drop, as a real client does. */
async function clientFeed(baseUrl: string, u: UserSlot): Promise<ResultFeed> {
  const feed = new FeedClient({ url: `${baseUrl.replace(/^http/, 'ws')}/ws`, token: u.auth.token as string, label: u.name, reconnectDelayMs: 100 });
  await feed.open();
  return {
    wait: (id, ms) =>
      feed.waitFor(Number(id), ms).then(
        ({ task }) => ({ ok: task.status === 'succeeded', code: task.error?.code ?? task.status, result: task.result }),
        () => null,
      ),
    get lastSeq() {
      return feed.lastSeq;
    },
    get reconnects() {
      return feed.reconnects;
    },
    close: () => void feed.close(),
  };
}
