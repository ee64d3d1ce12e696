import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import WebSocket from 'ws';
import { z } from 'zod';
import { diffArrays } from 'diff';

/**
 * The seed-001 "system-wide test": a scripted sequence of tasks is sent to a
 * RUNNING bureau through its public API (POST /api/v1 + the /ws result feed),
 * every step's outcome becomes one normalised line of a result log, and the log
 * is compared with a golden file under `validation/`.
 *
 * A step acts as a demo user (`who`, a login email) and sends `task` exactly as
 * a client would. `{"$ref": "steps.<N|name>.<path>"}` anywhere inside `data`
 * is replaced by a value from an earlier step's record (N is the step number
 * printed in the log, 1-based; a step may also carry a `name`):
 *   - `steps.N.status`: the final task status (`succeeded`, `failed`, ...) of a
 *     queued action, else the HTTP status (200 for an inline action, 4xx for a
 *     rejected request);
 *   - `steps.N.result...`: the result (of a queued task, or an inline action's body);
 *   - `steps.N.error.code` / `.message` / `.details...`: the error;
 *   - `steps.N.task.id`: the task id of a queued action;
 *   - `steps.N.http`: the HTTP status of the POST.
 *
 * `{run}` inside a string of `data` becomes a tag unique to this run (so a
 * sequence that invites an email address can run again against the same
 * bureau); the log shows it as `{run}`. A step with `until: {path, equals}` is
 * sent again (every 100 ms, up to the result timeout) until the value at `path`
 * of its record equals `equals`: for outcomes that arrive asynchronously, such
 * as an invitation becoming `invited` once its email went out. Only the last
 * attempt is logged.
 */

const StepSchema = z.strictObject({
  /** Optional label, so later steps can write `steps.<name>...` instead of a number. */
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a label like new_customer').optional(),
  /** Free text for the reader of the sequence; ignored. */
  note: z.string().optional(),
  /** The demo login (email) to act as; absent or null = no token (anonymous). */
  who: z.string().min(1).nullable().optional(),
  task: z.strictObject({
    action: z.string().min(1),
    data: z.unknown().optional(),
    key: z.string().optional(),
  }),
  until: z.strictObject({ path: z.string().min(1), equals: z.unknown() }).optional(),
});

export const SequenceSchema = z.strictObject({
  name: z.string().optional(),
  description: z.string().optional(),
  steps: z.array(StepSchema).min(1),
});

export type SequenceStep = z.infer<typeof StepSchema>;
export type Sequence = z.infer<typeof SequenceSchema>;

/** What a later step can reference. */
export interface StepRecord {
  /** Final task status of a queued action, or the HTTP status of an inline/rejected one. */
  status: string | number;
  http: number;
  task?: { id: number };
  result?: unknown;
  error?: { code?: string; message?: string; details?: unknown };
}

export interface RunOptions {
  /** e.g. http://127.0.0.1:3000 */
  baseUrl: string;
  /** The demo users' password (BUREAU_DEMO_PASSWORD). */
  password: string;
  /** A sequence file's parsed JSON (validated here), e.g. from `loadSequence()`. */
  sequence: unknown;
  /** How long to wait for one task's result on the websocket (default 20 s). */
  resultTimeoutMs?: number;
  /** Called with each log line as it is produced (progress output). */
  onLine?: (line: string) => void;
}

export class SequenceError extends Error {
  override name = 'SequenceError';
}

export function parseSequence(raw: unknown): Sequence {
  const parsed = SequenceSchema.safeParse(raw);
  if (!parsed.success) {
    throw new SequenceError(`invalid sequence: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  const names = new Set<string>();
  parsed.data.steps.forEach((s, i) => {
    if (s.name === undefined) return;
    if (/^\d+$/.test(s.name) || names.has(s.name)) throw new SequenceError(`step ${i + 1}: duplicate or numeric name "${s.name}"`);
    names.add(s.name);
  });
  return parsed.data;
}

export function loadSequence(path: string): Sequence {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new SequenceError(`cannot read sequence ${path}: ${(err as Error).message}`);
  }
  return parseSequence(raw);
}

// ---------------------------------------------------------------------------
// $ref resolution

function isRef(v: unknown): v is { $ref: string } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { $ref?: unknown }).$ref === 'string';
}

/**
 * Replaces every `{"$ref": "steps.N.path"}` inside `value` by the value at that
 * path in the earlier steps' records. `records[i]` is step i + 1; `names` maps
 * step names to their index. An unresolvable path throws: the sequence is wrong.
 */
export function resolveRefs(value: unknown, records: readonly StepRecord[], names: ReadonlyMap<string, number> = new Map()): unknown {
  if (isRef(value)) return lookup(value.$ref, records, names);
  if (Array.isArray(value)) return value.map((v) => resolveRefs(v, records, names));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveRefs(v, records, names)]));
  }
  return value;
}

function lookup(ref: string, records: readonly StepRecord[], names: ReadonlyMap<string, number>): unknown {
  const [head, step, ...path] = ref.split('.');
  if (head !== 'steps' || step === undefined || step === '') throw new SequenceError(`bad $ref "${ref}": it must start with steps.<number or name>.`);
  const index = /^\d+$/.test(step) ? Number(step) - 1 : names.get(step);
  if (index === undefined || index < 0 || index >= records.length) throw new SequenceError(`bad $ref "${ref}": no earlier step ${step}.`);
  let cur: unknown = records[index];
  for (const key of path) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, key)) {
      throw new SequenceError(`bad $ref "${ref}": step ${index + 1} has nothing at "${key}" (record: ${JSON.stringify(records[index])}).`);
    }
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

// ---------------------------------------------------------------------------
// Normalisation: nothing that differs between two runs on fresh databases.

/** Keys whose values are instants: replaced by a placeholder (null stays null). */
const TIME_KEYS = new Set(['at', 'createdAt', 'updatedAt', 'startedAt', 'finishedAt', 'expiresAt', 'runAt', 'lastLoginAt', 'lastSentAt', 'firstOpenedAt', 'lastOpenedAt', 'firstClickedAt', 'lastClickedAt', 'registeredAt', 'previousExpiresAt']);
/** Keys whose values are secrets or random: replaced by a placeholder. */
const SECRET_KEYS = new Set(['token', 'requestId', 'messageId']);
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** Sorts keys, and replaces instants and tokens with placeholders, recursively. */
/**
 * Ids of the rows and tasks the sequence itself made, by kind (customer,
 * document, transfer, inquiry, task): they are logged as `<kind:n>` (n counts
 * per kind in the order they were made), so the log does not depend on what
 * the bureau held before. Every other id (demo rows, users) stays as it is.
 */
export class OwnIds {
  private readonly byKind = new Map<string, Map<number, string>>();

  add(kind: string, id: unknown): void {
    if (typeof id !== 'number') return;
    const ids = this.byKind.get(kind) ?? new Map<number, string>();
    this.byKind.set(kind, ids);
    if (!ids.has(id)) ids.set(id, `<${kind}:${ids.size + 1}>`);
  }

  label(kind: string | null, id: unknown): unknown {
    return kind && typeof id === 'number' ? (this.byKind.get(kind)?.get(id) ?? id) : id;
  }
}

const ITEM_KINDS = new Set(['document', 'transfer', 'inquiry']);
const LIST_KINDS: Record<string, string> = { documents: 'document', transfers: 'transfer', inquiries: 'inquiry' };

/** The kind of row an action's result (or `data.id`) is about, when the result itself does not say. */
export function kindOfAction(action: string): string | null {
  if (action === 'get_task_result' || action === 'cancel_task') return 'task';
  if (/^(?:invite_user|reinvite|(?:get|revoke|delete)_invitation)$/.test(action)) return 'invitation';
  const m = /^(?:get|create)_(customer|document|transfer|inquiry)$/.exec(action);
  return m ? m[1]! : null;
}

/** Sorted keys, `<time>` for instants, `<token>` for secrets, and `<kind:n>` for the sequence's own ids. */
export function normalise(value: unknown, ids: OwnIds = new OwnIds(), kind: string | null = null): unknown {
  if (Array.isArray(value)) return value.map((v) => normalise(v, ids, kind));
  if (typeof value === 'string') {
    if (ISO_DATE.test(value)) return '<time>';
    return value.replace(/\b(Task|customer|document|transfer|inquiry|invitation) (\d+)\b/g, (_whole, kind: string, id: string) => `${kind} ${String(ids.label(kind === 'Task' ? 'task' : kind, Number(id)))}`);
  }
  if (typeof value !== 'object' || value === null) return value;
  const obj = value as Record<string, unknown>;
  const own = typeof obj.type === 'string' && ITEM_KINDS.has(obj.type) ? obj.type : kind;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj).sort()) {
    const v = obj[key];
    if (TIME_KEYS.has(key) && v !== null && v !== undefined) out[key] = '<time>';
    else if (SECRET_KEYS.has(key) && v !== null && v !== undefined) out[key] = '<token>';
    else if (key === 'id') out[key] = ids.label(own, v);
    else if (key === 'customerId' || key === 'cid') out[key] = ids.label('customer', v);
    else if (key === 'userId') out[key] = ids.label('user', v);
    else if (key === 'invitationId') out[key] = ids.label('invitation', v);
    else if (key in LIST_KINDS) out[key] = normalise(v, ids, LIST_KINDS[key]!);
    else if (key === 'result' && typeof obj.action === 'string') out[key] = normalise(v, ids, kindOfAction(obj.action));
    else out[key] = normalise(v, ids, null);
  }
  return out;
}

function logLine(n: number, width: number, who: string | null | undefined, action: string, status: string | number, payload: unknown, ids: OwnIds): string {
  return `${String(n).padStart(width, '0')} ${who ?? '-'} ${action} -> ${status} ${JSON.stringify(normalise(payload, ids, kindOfAction(action)))}`;
}

// ---------------------------------------------------------------------------
// One websocket per acting user

interface ResultMessage {
  seq: number;
  type: 'result';
  task: { id: number; action: string; status: string; result?: unknown; error?: StepRecord['error'] };
}

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);

/** A user's /ws feed: collects final results by task id, resumes from its last seq if the socket drops. */
class UserFeed {
  private ws: WebSocket | null = null;
  private lastSeq = 0;
  private closing = false;
  private readonly results = new Map<number, ResultMessage>();
  private readonly waiters = new Map<number, (m: ResultMessage) => void>();
  private failure: Error | null = null;

  constructor(
    private readonly wsUrl: string,
    private readonly token: string,
    readonly who: string,
  ) {}

  /** Resolves once bureau said hello. */
  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.wsUrl);
      this.ws = ws;
      let greeted = false;
      ws.on('open', () => ws.send(JSON.stringify({ token: this.token, after: this.lastSeq })));
      ws.on('message', (raw) => {
        let m: { type?: string; seq?: unknown; task?: ResultMessage['task']; error?: unknown };
        try {
          m = JSON.parse(raw.toString());
        } catch {
          return;
        }
        if (m.type === 'hello') {
          greeted = true;
          return resolve();
        }
        if (m.type === 'error') {
          this.failure = new SequenceError(`websocket of ${this.who} refused: ${JSON.stringify(m.error)}`);
          return;
        }
        // Notices are not results; live-only messages (no seq) are progress ("running").
        if (m.type !== 'result' || typeof m.seq !== 'number' || !m.task) return;
        if (m.seq > this.lastSeq) this.lastSeq = m.seq;
        if (!FINAL.has(m.task.status)) return;
        const msg = m as ResultMessage;
        this.results.set(msg.task.id, msg);
        this.waiters.get(msg.task.id)?.(msg);
      });
      ws.on('error', (err) => {
        if (!greeted) reject(new SequenceError(`websocket of ${this.who}: ${err.message}`));
      });
      ws.on('close', (code, reason) => {
        if (!greeted) return reject(this.failure ?? new SequenceError(`websocket of ${this.who} closed before hello (${code} ${reason.toString()})`));
        if (this.closing) return;
        // Dropped (server restart, slow consumer, resume request): reconnect from the last seq seen.
        setTimeout(() => {
          if (!this.closing) this.open().catch((err: Error) => (this.failure = err));
        }, 200).unref();
      });
    });
  }

  /** The final result of task `id`, whether it already arrived or not. */
  waitFor(id: number, timeoutMs: number): Promise<ResultMessage> {
    const have = this.results.get(id);
    if (have) return Promise.resolve(have);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        reject(this.failure ?? new SequenceError(`no result for task ${id} on ${this.who}'s websocket within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(id, (m) => {
        clearTimeout(timer);
        this.waiters.delete(id);
        resolve(m);
      });
    });
  }

  close(): Promise<void> {
    this.closing = true;
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        ws.terminate();
        resolve();
      }, 2000);
      ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      ws.close();
    });
  }
}

// ---------------------------------------------------------------------------
// The run

// The reply is whatever JSON bureau sent; callers read known fields off it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function post(baseUrl: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${baseUrl}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    throw new SequenceError(`POST /api/v1 answered ${res.status} with a non-JSON body: ${text.slice(0, 200)}`);
  }
}

/** `{"task": {id, ...}}` and nothing else: how the endpoint answers a queued action. */
function isTaskEnvelope(body: unknown): body is { task: { id: number; status: string } } {
  if (typeof body !== 'object' || body === null || Object.keys(body).length !== 1) return false;
  const task = (body as { task?: unknown }).task;
  return typeof task === 'object' && task !== null && typeof (task as { id?: unknown }).id === 'number';
}

/**
 * Runs `sequence` against the bureau at `baseUrl` and returns the result log, one
 * normalised line per step: `NN who action -> status {json}`. A queued action's
 * status is its final task status and the json its result (or `{"error"}`); an
 * inline action's or a rejected request's status is the HTTP status.
 */
export async function runSequence(opts: RunOptions): Promise<string[]> {
  const sequence = parseSequence(opts.sequence);
  const baseUrl = opts.baseUrl.replace(/\/+$/, '');
  const wsUrl = `${baseUrl.replace(/^http/, 'ws')}/ws`;
  const timeoutMs = opts.resultTimeoutMs ?? 20_000;
  const width = Math.max(2, String(sequence.steps.length).length);
  const names = new Map<string, number>();
  const records: StepRecord[] = [];
  const sessions = new Map<string, { token: string; feed: UserFeed }>();
  const lines: string[] = [];
  const ids = new OwnIds();
  const run = Math.random().toString(36).slice(2, 10);

  try {
    for (const [i, step] of sequence.steps.entries()) {
      const n = i + 1;
      const where = `step ${n}${step.name ? ` (${step.name})` : ''} ${step.task.action}`;
      let data: unknown;
      try {
        data = withRunTag(resolveRefs(step.task.data, records, names), run);
      } catch (err) {
        throw new SequenceError(`${where}: ${(err as Error).message}`);
      }
      const who = step.who ?? null;
      let record!: StepRecord;
      let payload: unknown;
      const deadline = Date.now() + timeoutMs;
      for (let attempt = 0; ; attempt++) {
        if (attempt) await new Promise((r) => setTimeout(r, 100));

        if (step.task.action === 'login') {
          if (!who) throw new SequenceError(`${where}: a login step needs "who"`);
          const body = { task: { action: 'login', data: { name: who, password: opts.password, ...(data as object | undefined) } } };
          const r = await post(baseUrl, body);
          if (r.status === 200) {
            const token = r.body.token as string;
            await sessions.get(who)?.feed.close();
            const feed = new UserFeed(wsUrl, token, who);
            await feed.open();
            sessions.set(who, { token, feed });
            // The user, never the token or its expiry.
            record = { status: 200, http: 200, result: { user: r.body.user } };
            payload = { user: r.body.user };
          } else {
            record = { status: r.status, http: r.status, error: r.body?.error };
            payload = { error: r.body?.error };
          }
        } else {
          let session: { token: string; feed: UserFeed } | undefined;
          if (who) {
            session = sessions.get(who);
            if (!session) throw new SequenceError(`${where}: ${who} has not logged in; add a login step before it`);
          }
          const task = { action: step.task.action, ...(data === undefined ? {} : { data }), ...(step.task.key ? { key: step.task.key } : {}) };
          const r = await post(baseUrl, { ...(session ? { token: session.token } : {}), task });
          if (r.status >= 400) {
            record = { status: r.status, http: r.status, error: r.body?.error };
            payload = { error: r.body?.error };
          } else if (r.status === 202 || isTaskEnvelope(r.body)) {
            // A queued action: 202 {task: {id, status: 'queued'}} (or 200 {task} with the final task, for a repeated key).
            const id = r.body.task.id as number;
            if (!session) throw new SequenceError(`${where}: a queued action answered ${r.status} without a token?`);
            const final = FINAL.has(r.body.task.status) ? r.body.task : (await session.feed.waitFor(id, timeoutMs)).task;
            record = { status: final.status, http: r.status, task: { id }, ...(final.error ? { error: final.error } : { result: final.result }) };
            payload = final.error ? { error: final.error } : final.result;
          } else {
            // An inline action answered by the web process itself (get_task_result, cancel_task, logout...).
            record = { status: r.status, http: r.status, result: r.body };
            payload = r.body;
          }
        }
        if (!step.until || Object.is(JSON.stringify(pick(record, step.until.path)), JSON.stringify(step.until.equals))) break;
        if (Date.now() > deadline) throw new SequenceError(`${where}: ${step.until.path} never became ${JSON.stringify(step.until.equals)} (last: ${JSON.stringify(pick(record, step.until.path))})`);
      }

      records.push(record);
      if (step.name) names.set(step.name, i);
      if (record.task) ids.add('task', record.task.id);
      const made = step.task.action === 'invite_user' ? 'invitation' : /^create_(\w+)$/.exec(step.task.action)?.[1];
      if (made && record.status === 'succeeded') {
        const result = record.result as { id?: unknown; userId?: unknown } | undefined;
        ids.add(made, result?.id);
        ids.add('user', result?.userId);
      }
      const line = logLine(n, width, who, step.task.action, record.status, payload, ids).replaceAll(run, '{run}');
      lines.push(line);
      opts.onLine?.(line);
    }
  } finally {
    await Promise.all([...sessions.values()].map((s) => s.feed.close()));
  }
  return lines;
}

// ---------------------------------------------------------------------------
// The golden file

export interface CompareResult {
  ok: boolean;
  /** True when `update` rewrote the golden file. */
  updated: boolean;
  /** Human-readable differences (empty when ok). */
  diff: string;
}

/** Lines of a log file, without the final newline. */
export function readLog(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * A line diff of expected vs actual (jsdiff): `-  NN | line` is expected line NN
 * missing from the actual log, `+  NN | line` is actual line NN not expected;
 * two lines of context around each change.
 */
export function diffLines(expected: readonly string[], actual: readonly string[], context = 2): string {
  type Op = { kind: ' ' | '-' | '+'; line: string; no: number };
  const ops: Op[] = [];
  let e = 0;
  let a = 0;
  for (const part of diffArrays([...expected], [...actual])) {
    for (const line of part.value) {
      if (part.removed) ops.push({ kind: '-', line, no: ++e });
      else if (part.added) ops.push({ kind: '+', line, no: ++a });
      else {
        e++;
        ops.push({ kind: ' ', line, no: ++a });
      }
    }
  }
  const width = String(Math.max(expected.length, actual.length)).length;
  const show = new Set<number>();
  ops.forEach((o, k) => {
    if (o.kind === ' ') return;
    for (let c = Math.max(0, k - context); c <= Math.min(ops.length - 1, k + context); c++) show.add(c);
  });
  const out: string[] = [];
  let last = -1;
  ops.forEach((o, k) => {
    if (!show.has(k)) return;
    if (last !== -1 && k !== last + 1) out.push('   ...');
    out.push(`${o.kind} ${String(o.no).padStart(width)} | ${o.line}`);
    last = k;
  });
  return out.join('\n');
}

/**
 * Compares the log with the golden file at `expectedPath`. With `update`, writes
 * the log there instead (creating the directory) and reports ok.
 */
export function compareLog(actual: readonly string[], expectedPath: string, update = false): CompareResult {
  const text = actual.map((l) => `${l}\n`).join('');
  if (update) {
    const same = existsSync(expectedPath) && readFileSync(expectedPath, 'utf8') === text;
    if (!same) {
      mkdirSync(dirname(expectedPath), { recursive: true });
      writeFileSync(expectedPath, text);
    }
    return { ok: true, updated: !same, diff: '' };
  }
  if (!existsSync(expectedPath)) {
    return { ok: false, updated: false, diff: `no golden file at ${expectedPath}; run with --update (UPDATE_GOLDEN=1 in the test) to write it` };
  }
  const expected = readLog(expectedPath);
  if (expected.length === actual.length && expected.every((l, k) => l === actual[k])) return { ok: true, updated: false, diff: '' };
  const header = `--- expected ${expectedPath} (${expected.length} lines)\n+++ actual (${actual.length} lines)`;
  return { ok: false, updated: false, diff: `${header}\n${diffLines(expected, actual)}` };
}

/** Replaces `{run}` in every string of `data` with this run's tag. */
function withRunTag(value: unknown, run: string): unknown {
  if (typeof value === 'string') return value.replaceAll('{run}', run);
  if (Array.isArray(value)) return value.map((v) => withRunTag(v, run));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withRunTag(v, run)]));
  return value;
}

/** The value at a dotted path of a step's record (`result.status`), or undefined. */
function pick(record: StepRecord, path: string): unknown {
  let cur: unknown = record;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}
