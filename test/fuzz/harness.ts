import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { ERROR_CATALOGUE } from '../../src/core/errors.js';
import { domains } from '../../src/domains.js';
import type { TestBureau } from '../helpers/bureau.js';
import { generateCases, type CatalogueEntry, type Caller, type FuzzCase } from './inputs.js';

/**
 * Runs generated inputs against a running bureau and checks its promise for
 * each one: never a 5xx, every rejection a catalogued `error.code` with that
 * code's status, every response with the strict headers; afterwards no failed
 * task carries an uncatalogued or INTERNAL error, replaying every rejected
 * input writes no row in any table, and bureau still answers.
 */

export interface FuzzOptions {
  seed: number;
  count: number;
  concurrency?: number;
  /** Called now and then with the number of inputs done. */
  progress?: (done: number) => void;
}

export interface FuzzReport {
  seed: number;
  inputs: number;
  byKind: Record<string, number>;
  accepted: number;
  rejected: number;
  byStatus: Record<string, number>;
  byCode: Record<string, number>;
  taskErrors: Record<string, number>;
  replayed: number;
  rowsBefore: Record<string, number>;
  rowsAfter: Record<string, number>;
  /** Everything that broke the promise, with the input that did it (empty when all is well). */
  failures: string[];
}

type Outcome = { status: number; code: string | null; accepted: boolean };

const CATALOGUE = ERROR_CATALOGUE as Record<string, { status: number }>;
const PROTO_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype));

/** A session for each role's demo caller (from the manifests), none, and a junk token. */
export async function tokensFor(b: TestBureau): Promise<Record<Caller, string>> {
  const tokens: Record<Caller, string> = { none: '', junk: randomBytes(32).toString('base64url') };
  for (const role of domains.roles) {
    const c = domains.callersFor(role);
    if (!c) throw new Error(`role ${role} has no demo callers: give its domain's manifest \`callers\``);
    tokens[role] = await b.login(`${c.caller}@${c.tenants.own}.test`);
  }
  return tokens;
}

export async function catalogue(b: TestBureau): Promise<CatalogueEntry[]> {
  const res = await fetch(`${b.url}/api/v1/actions`);
  return ((await res.json()) as { actions: CatalogueEntry[] }).actions;
}

function checkError(status: number, body: unknown, fail: (m: string) => void): string | null {
  const err = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (!err || typeof err.code !== 'string') {
    fail(`a ${status} without {error: {code}}: ${JSON.stringify(body)?.slice(0, 200)}`);
    return null;
  }
  const entry = CATALOGUE[err.code];
  if (!entry) fail(`uncatalogued error code ${err.code}`);
  else if (entry.status !== status) fail(`${err.code} answered with ${status}, catalogue says ${entry.status}`);
  if (typeof err.message !== 'string') fail(`${err.code} without a message`);
  return err.code;
}

async function runHttp(b: TestBureau, c: FuzzCase & { kind: 'post' | 'get' }, token: string, fail: (m: string) => void): Promise<Outcome> {
  const headers: Record<string, string> = {};
  let body: string | undefined;
  if (c.kind === 'post') {
    if (c.contentType) headers['content-type'] = c.contentType;
    if (c.bearer && token) headers.authorization = `Bearer ${token}`;
    body = c.body.replace('"$TOKEN"', JSON.stringify(token));
  } else if (token) {
    headers.authorization = `Bearer ${token}`;
  }
  const method = c.kind === 'post' ? 'POST' : c.method;
  const path = c.kind === 'post' ? '/api/v1' : c.path;
  const res = await fetch(`${b.url}${path}`, { method, headers, body: method === 'GET' || method === 'HEAD' ? undefined : (body ?? '') });
  const text = await res.text();
  if (res.status >= 500) fail(`${res.status}: ${text.slice(0, 300)}`);
  if (!res.headers.get('content-security-policy')?.includes("default-src 'self'")) fail('response without the strict Content-Security-Policy');
  if (res.headers.get('x-content-type-options') !== 'nosniff') fail('response without X-Content-Type-Options: nosniff');
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    if (res.status >= 400) fail(`a ${res.status} whose body is not JSON: ${text.slice(0, 200)}`);
  }
  let code: string | null = null;
  if (res.status >= 400 && method !== 'HEAD') code = checkError(res.status, parsed, fail);
  if (res.status === 429 && !res.headers.get('retry-after')) fail('429 without Retry-After');
  return { status: res.status, code, accepted: c.kind === 'post' && res.status < 300 };
}

function runWs(b: TestBureau, c: FuzzCase & { kind: 'ws' }, token: string, fail: (m: string) => void): Promise<Outcome> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${b.url.replace(/^http/, 'ws')}/ws`, c.origin !== null ? { origin: c.origin } : {});
    let first: { type?: string; error?: unknown } | null = null;
    let code: string | null = null;
    let settled = false;
    const done = (o: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(o);
    };
    const timer = setTimeout(() => {
      fail('websocket: no answer and no close in 10 s');
      ws.terminate();
      done({ status: 0, code: null, accepted: false });
    }, 10_000);
    ws.on('unexpected-response', (_req, res) => {
      // Refused at the upgrade (a foreign Origin): a plain 403, never a 5xx.
      if ((res.statusCode ?? 0) >= 500) fail(`websocket upgrade answered ${res.statusCode}`);
      res.resume();
      ws.terminate();
      done({ status: res.statusCode ?? 0, code: null, accepted: false });
    });
    ws.on('error', () => undefined);
    ws.on('open', () => ws.send(c.message.replaceAll('$TOKEN', token)));
    ws.on('message', (raw) => {
      if (first) return;
      try {
        first = JSON.parse(raw.toString()) as { type?: string; error?: unknown };
      } catch {
        fail(`websocket: a first message that is not JSON: ${raw.toString().slice(0, 100)}`);
        return;
      }
      if (first.type === 'hello') {
        ws.close();
        return done({ status: 101, code: null, accepted: true });
      }
      if (first.type !== 'error') fail(`websocket: first message is neither hello nor error: ${JSON.stringify(first).slice(0, 200)}`);
      else code = checkError(CATALOGUE[String((first.error as { code?: unknown } | undefined)?.code)]?.status ?? 0, first, fail);
    });
    ws.on('close', (closeCode) => {
      if (settled) return;
      // 4400/4401 after an error message; 1009 = over the socket's 8 KiB message limit (refused by ws itself).
      if (closeCode === 1009) return done({ status: 413, code: 'PAYLOAD_TOO_LARGE', accepted: false });
      if (closeCode !== 4400 && closeCode !== 4401) fail(`websocket closed with ${closeCode} (${code ?? 'no error message'})`);
      else if (!code) fail(`websocket closed ${closeCode} without an error message`);
      else if ((closeCode === 4401) !== (code === 'UNAUTHENTICATED')) fail(`websocket closed ${closeCode} for ${code}`);
      done({ status: closeCode === 4401 ? 401 : 400, code, accepted: false });
    });
  });
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

/** Row count of every table of bureau's schema. */
export async function rowCounts(b: TestBureau): Promise<Record<string, number>> {
  const { rows: tables } = await b.db.query<{ t: string }>(`select table_name as t from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`);
  const out: Record<string, number> = {};
  for (const { t } of tables) out[t] = (await b.db.query<{ n: number }>(`select count(*)::int as n from "${t}"`)).rows[0]!.n;
  return out;
}

/** Waits until no task is queued (due now) or running, twice in a row. */
export async function quiesce(b: TestBureau, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let calm = 0;
  while (calm < 2) {
    const { rows } = await b.db.query<{ n: number }>(`select count(*)::int as n from task where status = 'running' or (status = 'queued' and (run_at is null or run_at <= now()))`);
    calm = rows[0]!.n === 0 ? calm + 1 : 0;
    if (Date.now() > deadline) throw new Error(`tasks still unfinished after ${timeoutMs} ms: ${rows[0]!.n}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function runFuzz(b: TestBureau, opts: FuzzOptions): Promise<FuzzReport> {
  const tokens = await tokensFor(b);
  // logout with a real token would end the sessions the other inputs use; the authorization matrix covers it.
  const entries = (await catalogue(b)).filter((e) => e.name !== 'logout');
  const cases = generateCases(entries, opts.seed, opts.count);
  const failures: string[] = [];
  const outcomes: Outcome[] = new Array(cases.length);
  const byKind: Record<string, number> = {};
  const run = async (c: FuzzCase, i: number, sink: string[]) => {
    const fail = (m: string) => sink.push(`#${i} ${c.what}: ${m}\n    input: ${describe(c)}`);
    const token = tokens[c.caller] ?? '';
    try {
      return c.kind === 'ws' ? await runWs(b, c, token, fail) : await runHttp(b, c, token, fail);
    } catch (err) {
      fail(`request failed: ${(err as Error).message}`);
      return { status: 0, code: null, accepted: false };
    }
  };
  let done = 0;
  await pool(cases, opts.concurrency ?? 16, async (c, i) => {
    byKind[c.kind] = (byKind[c.kind] ?? 0) + 1;
    outcomes[i] = await run(c, i, failures);
    if (++done % 1000 === 0) opts.progress?.(done);
  });

  // Every accepted task finishes with a result or a catalogued error, never INTERNAL.
  await quiesce(b);
  const { rows: errs } = await b.db.query<{ code: string | null; n: number }>(`select error->>'code' as code, count(*)::int as n from task where status = 'failed' group by 1`);
  const taskErrors = Object.fromEntries(errs.map((r) => [r.code ?? 'null', r.n]));
  for (const r of errs) {
    if (!r.code || !CATALOGUE[r.code]) failures.push(`failed tasks with an uncatalogued error code ${r.code}: ${r.n}`);
    else if (r.code === 'INTERNAL') failures.push(`failed tasks with INTERNAL: ${r.n} (${JSON.stringify((await b.db.query(`select action, input from task where error->>'code' = 'INTERNAL' limit 3`)).rows).slice(0, 500)})`);
  }

  // Replaying every rejected input writes no row anywhere and is rejected again.
  const rejected = cases.map((c, i) => ({ c, i })).filter(({ i }) => !outcomes[i]!.accepted && outcomes[i]!.status !== 0);
  const rowsBefore = await rowCounts(b);
  const replayFailures: string[] = [];
  await pool(rejected, opts.concurrency ?? 16, async ({ c, i }) => {
    const o = await run(c, i, replayFailures);
    if (o.accepted) replayFailures.push(`#${i} ${c.what}: rejected at first (${outcomes[i]!.status} ${outcomes[i]!.code}), accepted on replay`);
  });
  failures.push(...replayFailures);
  await quiesce(b);
  const rowsAfter = await rowCounts(b);
  for (const t of Object.keys(rowsAfter)) {
    if (rowsAfter[t] !== rowsBefore[t]) failures.push(`table ${t}: ${rowsBefore[t]} rows before replaying ${rejected.length} rejected inputs, ${rowsAfter[t]} after`);
  }

  // bureau runs in this process: a `__proto__` key that reached an object merge would show here.
  const polluted = Object.getOwnPropertyNames(Object.prototype).filter((k) => !PROTO_KEYS.has(k));
  if (polluted.length) failures.push(`Object.prototype was polluted: ${polluted.join(', ')}`);

  const ping = await fetch(`${b.url}/ping`);
  if (ping.status !== 200) failures.push(`/ping answers ${ping.status} after the run`);

  const count = (key: (o: Outcome) => string) => outcomes.reduce<Record<string, number>>((acc, o) => ((acc[key(o)] = (acc[key(o)] ?? 0) + 1), acc), {});
  return {
    seed: opts.seed,
    inputs: cases.length,
    byKind,
    accepted: outcomes.filter((o) => o.accepted).length,
    rejected: rejected.length,
    byStatus: count((o) => String(o.status)),
    byCode: count((o) => o.code ?? '-'),
    taskErrors,
    replayed: rejected.length,
    rowsBefore,
    rowsAfter,
    failures,
  };
}

function describe(c: FuzzCase): string {
  const s = c.kind === 'post' ? `${c.contentType} ${c.body}` : c.kind === 'get' ? `${c.method} ${c.path}` : c.message;
  return s.length > 300 ? `${s.slice(0, 300)}... (${s.length} chars)` : s;
}

export function formatReport(r: FuzzReport): string {
  return [
    `fuzz: seed ${r.seed}, ${r.inputs} inputs (${Object.entries(r.byKind).map(([k, n]) => `${k} ${n}`).join(', ')}), ${r.accepted} accepted, ${r.rejected} rejected and replayed`,
    `  statuses: ${JSON.stringify(r.byStatus)}`,
    `  error codes: ${JSON.stringify(r.byCode)}`,
    `  failed tasks by error code: ${JSON.stringify(r.taskErrors)}`,
    `  rows before/after the replay: ${Object.keys(r.rowsAfter).filter((t) => r.rowsAfter[t]).map((t) => `${t} ${r.rowsBefore[t]}/${r.rowsAfter[t]}`).join(', ')}`,
    `  failures: ${r.failures.length}`,
  ].join('\n');
}
