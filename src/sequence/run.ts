import { FeedClient } from '../client/feed.js';
import type { RowKinds } from '../core/domain-set.js';
import { isFinalTask } from '../domains/tasks/machine.js';
import { logLine, OwnIds } from './normalise.js';
import { parseSequence, pick, resolveRefs, SequenceError, withRunTag, type SequenceStep, type StepRecord } from './steps.js';

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
  /** How the log names ids (default `domains.rowKinds()`: every domain's manifest). */
  rowKinds?: RowKinds;
}

interface Session {
  token: string;
  feed: FeedClient;
}

/** What one attempt of a step produced: the record later steps see, and what its log line shows. */
interface Outcome {
  record: StepRecord;
  payload: unknown;
}

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

/** The run's state shared by its steps. */
class Run {
  readonly sessions = new Map<string, Session>();
  readonly baseUrl: string;
  readonly wsUrl: string;
  readonly timeoutMs: number;

  constructor(readonly opts: RunOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.wsUrl = `${this.baseUrl.replace(/^http/, 'ws')}/ws`;
    this.timeoutMs = opts.resultTimeoutMs ?? 20_000;
  }

  /** Logs `who` in and opens (or replaces) their feed. */
  async login(who: string, data: unknown): Promise<Outcome> {
    const r = await post(this.baseUrl, { task: { action: 'login', data: { name: who, password: this.opts.password, ...(data as object | undefined) } } });
    if (r.status !== 200) return { record: { status: r.status, http: r.status, error: r.body?.error }, payload: { error: r.body?.error } };
    const token = r.body.token as string;
    await this.sessions.get(who)?.feed.close();
    const feed = new FeedClient({ url: this.wsUrl, token, label: who });
    await feed.open();
    this.sessions.set(who, { token, feed });
    // The user, never the token or its expiry.
    return { record: { status: 200, http: 200, result: { user: r.body.user } }, payload: { user: r.body.user } };
  }

  /** Sends one task as `who` (or anonymously) and, for a queued action, waits for its final result on the feed. */
  async send(where: string, step: SequenceStep, who: string | null, data: unknown): Promise<Outcome> {
    let session: Session | undefined;
    if (who) {
      session = this.sessions.get(who);
      if (!session) throw new SequenceError(`${where}: ${who} has not logged in; add a login step before it`);
    }
    const task = { action: step.task.action, ...(data === undefined ? {} : { data }), ...(step.task.key ? { key: step.task.key } : {}) };
    const r = await post(this.baseUrl, { ...(session ? { token: session.token } : {}), task });
    if (r.status >= 400) return { record: { status: r.status, http: r.status, error: r.body?.error }, payload: { error: r.body?.error } };
    if (r.status === 202 || isTaskEnvelope(r.body)) {
      // A queued action: 202 {task: {id, status: 'queued'}} (or 200 {task} with the final task, for a repeated key).
      const id = r.body.task.id as number;
      if (!session) throw new SequenceError(`${where}: a queued action answered ${r.status} without a token?`);
      const final = isFinalTask(r.body.task.status) ? r.body.task : (await session.feed.waitFor(id, this.timeoutMs)).task;
      const record: StepRecord = { status: final.status, http: r.status, task: { id }, ...(final.error ? { error: final.error } : { result: final.result }) };
      return { record, payload: final.error ? { error: final.error } : final.result };
    }
    // An inline action answered by the web process itself (get_task_result, cancel_task, logout...).
    return { record: { status: r.status, http: r.status, result: r.body }, payload: r.body };
  }

  close(): Promise<void> {
    return Promise.all([...this.sessions.values()].map((s) => s.feed.close())).then(() => undefined);
  }
}

/**
 * Runs `sequence` against the bureau at `baseUrl` and returns the result log, one
 * normalised line per step: `NN who action -> status {json}`. A queued action's
 * status is its final task status and the json its result (or `{"error"}`); an
 * inline action's or a rejected request's status is the HTTP status.
 */
export async function runSequence(opts: RunOptions): Promise<string[]> {
  const sequence = parseSequence(opts.sequence);
  const run = new Run(opts);
  const width = Math.max(2, String(sequence.steps.length).length);
  const names = new Map<string, number>();
  const records: StepRecord[] = [];
  const lines: string[] = [];
  const ids = new OwnIds(opts.rowKinds);
  const tag = Math.random().toString(36).slice(2, 10);

  try {
    for (const [i, step] of sequence.steps.entries()) {
      const n = i + 1;
      const where = `step ${n}${step.name ? ` (${step.name})` : ''} ${step.task.action}`;
      let data: unknown;
      try {
        data = withRunTag(resolveRefs(step.task.data, records, names), tag);
      } catch (err) {
        throw new SequenceError(`${where}: ${(err as Error).message}`);
      }
      const who = step.who ?? null;
      let outcome: Outcome;
      const deadline = Date.now() + run.timeoutMs;
      for (let attempt = 0; ; attempt++) {
        if (attempt) await new Promise((r) => setTimeout(r, 100));
        if (step.task.action === 'login') {
          if (!who) throw new SequenceError(`${where}: a login step needs "who"`);
          outcome = await run.login(who, data);
        } else outcome = await run.send(where, step, who, data);
        if (!step.until || Object.is(JSON.stringify(pick(outcome.record, step.until.path)), JSON.stringify(step.until.equals))) break;
        if (Date.now() > deadline) throw new SequenceError(`${where}: ${step.until.path} never became ${JSON.stringify(step.until.equals)} (last: ${JSON.stringify(pick(outcome.record, step.until.path))})`);
      }

      const { record, payload } = outcome;
      records.push(record);
      if (step.name) names.set(step.name, i);
      if (record.task) ids.add('task', record.task.id);
      if (record.status === 'succeeded') ids.addMade(step.task.action, record.result);
      const line = logLine(n, width, who, step.task.action, record.status, payload, ids).replaceAll(tag, '{run}');
      lines.push(line);
      opts.onLine?.(line);
    }
  } finally {
    await run.close();
  }
  return lines;
}
