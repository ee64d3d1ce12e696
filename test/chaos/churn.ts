/**
 * The feed under churn: websocket clients of several users in two tenants drop
 * and reconnect every 1-3 s, alternating between web processes, while results
 * flow. Every client must see every feed entry of its user exactly once, in seq
 * order, equal to what PostgreSQL stored, and nothing of anyone else.
 *
 * Used by test/e2e/feed-churn.test.ts (fast) and scripts/chaos.ts (50 clients).
 */
import { isDeepStrictEqual } from 'node:util';
import type pg from 'pg';
import WebSocket from 'ws';
import { sleep } from '../helpers/procs.js';

export interface ChurnOptions {
  /** Base URLs of the web processes; each reconnect goes to the next one. */
  webs: string[];
  db: pg.Pool;
  /** Users (email -> token) the clients belong to; clients are spread over them. */
  users: { email: string; token: string; id: number; role: string; /** A customer of the user's tenant (admins create documents for it). */ cid?: number }[];
  clients: number;
  /** How long the producers post actions. */
  produceMs: number;
  /** Each connection lives a random time in [minHoldMs, maxHoldMs], then drops. */
  minHoldMs?: number;
  maxHoldMs?: number;
  /** Deadline for every client to catch up at the end. */
  settleMs?: number;
}

export interface ChurnReport {
  clients: number;
  users: number;
  connections: number;
  /** Connections that resumed on a different web process than the one before. */
  crossWebResumes: number;
  actions: number;
  /** Entries (with seq) delivered across all clients, and how many the database says they should have got. */
  delivered: number;
  expected: number;
  duplicates: number;
  outOfOrder: number;
  missing: number;
  foreign: number;
  mismatched: number;
  problems: string[];
}

interface ChurnClient {
  user: ChurnOptions['users'][number];
  lastSeq: number;
  got: Map<number, unknown>;
  liveOnly: number[];
  problems: string[];
  connections: number;
  crossWeb: number;
  duplicates: number;
  outOfOrder: number;
}

/** One connection: hello, then messages until `hold` ends (or the server drops us); resolves when closed. */
function connect(c: ChurnClient, url: string, holdMs: number | (() => boolean)): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + '/ws');
    let timer: NodeJS.Timeout | null = null;
    let poll: NodeJS.Timeout | null = null;
    const done = () => {
      if (timer) clearTimeout(timer);
      if (poll) clearInterval(poll);
      resolve();
    };
    ws.on('open', () => {
      c.connections++;
      ws.send(JSON.stringify({ token: c.user.token, after: c.lastSeq }));
      if (typeof holdMs === 'number') timer = setTimeout(() => ws.terminate(), holdMs);
      else poll = setInterval(() => holdMs() && ws.close(), 50);
    });
    ws.on('message', (raw) => {
      const m = JSON.parse(raw.toString());
      if (m.type === 'hello') {
        if (m.user?.id !== c.user.id) c.problems.push(`hello for user ${m.user?.id}, expected ${c.user.id}`);
        return;
      }
      if (m.type === 'error') return void c.problems.push(`error message: ${JSON.stringify(m.error)}`);
      if (m.seq === undefined || m.seq === null) {
        if (m.task?.id) c.liveOnly.push(m.task.id);
        return;
      }
      if (c.got.has(m.seq)) c.duplicates++;
      else if (m.seq !== c.lastSeq + 1) c.outOfOrder++;
      c.got.set(m.seq, m);
      if (m.seq > c.lastSeq) c.lastSeq = m.seq;
    });
    ws.on('error', () => undefined); // a refused or reset connection just ends this round
    ws.on('close', done);
  });
}

export async function runChurn(opts: ChurnOptions): Promise<ChurnReport> {
  const minHold = opts.minHoldMs ?? 1000;
  const maxHold = opts.maxHoldMs ?? 3000;
  const clients: ChurnClient[] = Array.from({ length: opts.clients }, (_, i) => ({
    user: opts.users[i % opts.users.length]!,
    lastSeq: 0,
    got: new Map(),
    liveOnly: [],
    problems: [],
    connections: 0,
    crossWeb: 0,
    duplicates: 0,
    outOfOrder: 0,
  }));
  let producing = true;
  let actions = 0;
  const taskIds: number[] = [];

  // Producers: each user posts actions whose results (and notices to reviewers) land in the feeds.
  const post = async (u: ChurnOptions['users'][number], action: string, data: unknown) => {
    const res = await fetch(`${opts.webs[actions % opts.webs.length]}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: u.token, task: { action, data } }) });
    const body = (await res.json()) as any;
    if (res.status !== 202) throw new Error(`${action} by ${u.email}: ${res.status} ${JSON.stringify(body)}`);
    actions++;
    taskIds.push(body.task.id);
  };
  const producers = opts.users.map(async (u, i) => {
    let n = 0;
    while (producing) {
      if (u.role === 'admin') await post(u, n % 3 === 2 ? 'create_document' : 'create_customer', n % 3 === 2 ? { cid: u.cid ?? 1, content: `churn ${n}` } : { name: `churn-${i}-${n}` });
      else await post(u, 'list_queue', { type: u.role === 'service' ? 'inquiry' : 'transfer' });
      n++;
      await sleep(150 + Math.random() * 150);
    }
  });
  const ends = { producing: () => producing };
  const churners = clients.map(async (c, i) => {
    let web = i % opts.webs.length;
    await sleep(Math.random() * minHold);
    while (ends.producing()) {
      await connect(c, opts.webs[web]!, minHold + Math.random() * (maxHold - minHold));
      const next = (web + 1) % opts.webs.length;
      if (next !== web) c.crossWeb++;
      web = next;
      await sleep(Math.random() * 200);
    }
  });
  await sleep(opts.produceMs);
  producing = false;
  const produced = await Promise.allSettled(producers);
  await Promise.all(churners);
  const producerError = produced.find((p) => p.status === 'rejected');

  // Every task finished: then each client connects once more and stays until it has its user's last seq.
  const settleEnd = Date.now() + (opts.settleMs ?? 60_000);
  while (Date.now() < settleEnd) {
    const { rows } = await opts.db.query(`select count(*)::int as n from task where id = any($1) and status not in ('succeeded', 'failed', 'cancelled')`, [taskIds]);
    if (rows[0].n === 0) break;
    await sleep(200);
  }
  await sleep(500);
  const { rows: maxRows } = await opts.db.query(`select user_id, max(seq)::int as max from feed_entry where user_id = any($1) group by user_id`, [opts.users.map((u) => u.id)]);
  const maxSeq = new Map<number, number>(maxRows.map((r) => [r.user_id, r.max]));
  await Promise.all(
    clients.map((c, i) => {
      const target = maxSeq.get(c.user.id) ?? 0;
      return Promise.race([connect(c, opts.webs[(c.connections + i) % opts.webs.length]!, () => c.lastSeq >= target), sleep(Math.max(1000, settleEnd - Date.now()))]);
    }),
  );

  // Compare with what PostgreSQL stored for each user.
  const report: ChurnReport = { clients: clients.length, users: opts.users.length, connections: 0, crossWebResumes: 0, actions, delivered: 0, expected: 0, duplicates: 0, outOfOrder: 0, missing: 0, foreign: 0, mismatched: 0, problems: [] };
  if (producerError) report.problems.push(`a producer failed: ${(producerError as PromiseRejectedResult).reason}`);
  const { rows: entries } = await opts.db.query(`select user_id, seq, body from feed_entry where user_id = any($1) order by user_id, seq`, [opts.users.map((u) => u.id)]);
  const { rows: owners } = await opts.db.query(`select id, actor_id from task where id = any($1)`, [[...new Set(clients.flatMap((c) => c.liveOnly))]]);
  const ownerOf = new Map<number, number>(owners.map((r) => [Number(r.id), r.actor_id]));
  for (const c of clients) {
    const mine = entries.filter((e) => e.user_id === c.user.id);
    report.connections += c.connections;
    report.crossWebResumes += c.crossWeb;
    report.delivered += c.got.size + c.duplicates;
    report.expected += mine.length;
    report.duplicates += c.duplicates;
    report.outOfOrder += c.outOfOrder;
    for (const e of mine) {
      const got = c.got.get(e.seq);
      if (got === undefined) report.missing++;
      else if (!isDeepStrictEqual(got, e.body)) report.mismatched++;
    }
    const seqs = new Set(mine.map((e) => e.seq));
    report.foreign += [...c.got.keys()].filter((s) => !seqs.has(s)).length;
    report.foreign += c.liveOnly.filter((id) => ownerOf.get(id) !== c.user.id).length;
    report.problems.push(...c.problems.slice(0, 3));
  }
  for (const [k, v] of Object.entries({ duplicates: report.duplicates, 'out of order': report.outOfOrder, missing: report.missing, foreign: report.foreign, 'not as stored': report.mismatched })) {
    if (v) report.problems.push(`${v} entries ${k}`);
  }
  return report;
}

export function formatChurn(r: ChurnReport): string {
  return [
    `feed under churn: ${r.problems.length ? 'FAIL' : 'PASS'}`,
    `  ${r.clients} clients of ${r.users} users (two tenants), ${r.connections} connections, ${r.crossWebResumes} resumed on the other web process`,
    `  ${r.actions} actions posted; entries delivered ${r.delivered}, expected ${r.expected}`,
    `  duplicates ${r.duplicates}, out of order ${r.outOfOrder}, missing ${r.missing}, another user's ${r.foreign}, not as stored ${r.mismatched}`,
    ...r.problems.map((p) => `  PROBLEM: ${p}`),
  ].join('\n');
}
