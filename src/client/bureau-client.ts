import type { ActionName, DataOf, ResultOf } from './actions.js';
import { FeedClient, type FeedClientOptions, type FeedTask, type SocketFactory } from './feed.js';

/**
 * A typed client of bureau for Node and the browser: `login`, then
 * `act(action, data)`, which posts the action and resolves with its result
 * from the feed (or throws `BureauError` with the catalogued code). Each `act`
 * carries an idempotency key (`task.key`): a queued action's POST that failed
 * on the way (no answer, 502/503/504, 429) is sent again with the same key, so
 * the task is recorded once; an inline action (which ignores the key) only
 * after a 429 or 503, answered before it ran (see `submit`). The feed resumes from its last `seq` after a drop.
 *
 * In Node import it from `bureau/client` (`src/client/node.ts`: websockets
 * through `ws`); in a browser bundle the same path gives `src/client/index.ts`
 * (the page's WebSocket).
 */

/** An error as bureau phrased it: an HTTP refusal (`status`) or a failed task (`taskId`). */
export class BureauError extends Error {
  override name = 'BureauError';
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> | undefined,
    readonly status: number | undefined,
    readonly taskId?: number,
  ) {
    super(message);
  }
}

export interface BureauClientOptions {
  /** Where bureau is (`http://localhost:3000`); `''` in a page served by bureau (same origin). */
  url: string;
  /** The feed's address when it is not `url`'s `/ws` (a proxy in front of the API only). */
  wsUrl?: string;
  /** A session token from an earlier `login` (kept by the caller). */
  token?: string;
  /** Resume the feed after this `seq`. */
  after?: number;
  /** How a websocket is opened (the Node entry passes `ws`'s). */
  socket?: SocketFactory;
  /** How long `act` waits for a result on the feed before asking `GET /api/v1/tasks/:id` (default 30 s). */
  resultTimeoutMs?: number;
  /** Times a POST is sent again, with the same key, after no answer or a 429/502/503/504 (default 3; inline actions only after 429/503, see `submit`). */
  retries?: number;
  /** First pause between those tries (default 250 ms, doubling; a `Retry-After` is honoured). */
  retryDelayMs?: number;
  /** More feed options (onEntry, onState, onExpired, label...). */
  feed?: Partial<FeedClientOptions>;
}

/** A raw reply: what `send` returns. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the shape depends on the action and the status; `act` gives the typed view
export type Reply = { status: number; body: any; headers: { get(name: string): string | null } };

/** The longest Retry-After a call waits out by itself before retrying; a longer one is answered to the caller. */
const MAX_RETRY_WAIT_MS = 10_000;
const RETRY_STATUS = new Set([429, 502, 503, 504]);
/** bureau's refusals before an action runs (rate limit, back-pressure, not ready): safe to send again whatever the action. */
const REFUSED_BEFORE_RUNNING = new Set([429, 503]);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const newKey = () => `c-${globalThis.crypto.randomUUID()}`;

/** `{"task": {id, ...}}` and nothing else: how the endpoint answers a queued action (an inline result is anything else). */
export function isTaskReply(body: unknown): body is { task: FeedTask } {
  if (typeof body !== 'object' || body === null || Object.keys(body).length !== 1) return false;
  const task = (body as { task?: unknown }).task;
  return typeof task === 'object' && task !== null && typeof (task as { id?: unknown }).id === 'number';
}

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);

export class BureauClient {
  token: string | null;
  private feedClient: FeedClient | null = null;
  private feedOpening: Promise<FeedClient> | null = null;
  private readonly base: string;
  /** Each action's mode (`queued`, `inline`) from `GET /api/v1/actions`, read once when a retry needs it. */
  private modes: Map<string, string> | null = null;

  constructor(private readonly opts: BureauClientOptions) {
    this.base = opts.url.replace(/\/+$/, '');
    this.token = opts.token ?? null;
  }

  /** `ws(s)://…/ws` of this bureau (the page's own host when `url` is ''). */
  get wsUrl(): string {
    if (this.opts.wsUrl) return this.opts.wsUrl;
    if (this.base) return `${this.base.replace(/^http/, 'ws')}/ws`;
    const loc = (globalThis as { location?: { protocol: string; host: string } }).location;
    return `${loc?.protocol === 'https:' ? 'wss' : 'ws'}://${loc?.host ?? 'localhost'}/ws`;
  }

  /** Logs in; the token is kept for what follows. */
  async login(name: string, password: string, tenant?: string): Promise<ResultOf<'login'>> {
    const session = await this.act('login', { name, password, ...(tenant ? { tenant } : {}) });
    await this.closeFeed();
    this.token = session.token;
    return session;
  }

  /** Revokes the token and closes the feed. */
  async logout(): Promise<void> {
    if (this.token) await this.act('logout', {}).catch(() => undefined);
    this.token = null;
    await this.closeFeed();
  }

  /** One POST of the envelope (with the token), as is: no retry, no wait for the feed. */
  async send(action: string, data: unknown, opts: { key?: string; wait?: number } = {}): Promise<Reply> {
    const res = await fetch(`${this.base}/api/v1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
      body: JSON.stringify({ task: { action, ...(data === undefined ? {} : { data }), ...(opts.key ? { key: opts.key } : {}) }, ...(opts.wait ? { wait: opts.wait } : {}) }),
    });
    const text = await res.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = { error: { code: res.status >= 500 ? 'INTERNAL' : 'BAD_JSON', message: `bureau answered ${res.status} with a body that is not JSON` } };
    }
    return { status: res.status, body, headers: res.headers };
  }

  /**
   * `send` with the idempotency key, again after no answer or a retryable
   * status when that is safe. A queued action's key makes its task single, so it
   * is sent again after no answer or a 429/502/503/504. An inline action
   * (login, cancel_task, change_password...) runs in the web process and
   * ignores the key: it is sent again only after a 429 or 503, bureau's refusals
   * before anything ran; after no answer or a 502/504 it may have run, so the
   * reply (or a `BureauError` with `details.mayHaveRun`) is returned as it is.
   * The mode comes from `GET /api/v1/actions` (each entry's `mode`), read once.
   */
  async submit(action: string, data: unknown, key = newKey()): Promise<Reply> {
    const retries = this.opts.retries ?? 3;
    let delay = this.opts.retryDelayMs ?? 250;
    let reply: Reply | null = null;
    let failure: unknown = null;
    let post = true;
    for (let attempt = 0; ; attempt++) {
      if (post) {
        reply = null;
        failure = null;
        try {
          reply = await this.send(action, data, { key });
        } catch (err) {
          failure = err;
        }
        if (reply && !RETRY_STATUS.has(reply.status)) return reply;
      }
      // Refused before running (429, 503): any action may go again. Otherwise only a queued one.
      const mode = reply && REFUSED_BEFORE_RUNNING.has(reply.status) ? 'queued' : await this.modeOf(action);
      const giveUp = (mayHaveRun: boolean): Reply => {
        if (reply) return reply;
        throw new BureauError(
          'UNAVAILABLE',
          mayHaveRun
            ? `bureau did not answer ${action}, an inline action that may have run: not sent again (${(failure as Error).message})`
            : `bureau does not answer: ${(failure as Error).message}`,
          mayHaveRun ? { mayHaveRun: true, action } : undefined,
          0,
        );
      };
      if (mode === 'inline') return giveUp(true);
      if (attempt >= retries) return giveUp(mode === null);
      const retryAfter = Number(reply?.headers.get('retry-after'));
      const waitMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : delay;
      // A long Retry-After (the login throttle's window) is the caller's to honour, not a pause inside one call.
      if (reply && waitMs > MAX_RETRY_WAIT_MS) return reply;
      await sleep(waitMs);
      delay *= 2;
      // Mode unknown (the catalogue did not answer either): ask again after the pause before posting again.
      post = mode !== null;
    }
  }

  /** 'queued' or 'inline' as `GET /api/v1/actions` lists the action ('inline' if it is not listed); null when that does not answer. */
  private async modeOf(action: string): Promise<'queued' | 'inline' | null> {
    if (!this.modes) {
      try {
        const res = await fetch(`${this.base}/api/v1/actions`, { headers: { accept: 'application/json' } });
        if (!res.ok) return null;
        const body = (await res.json()) as { actions?: { name: string; mode: string }[] };
        this.modes = new Map((body.actions ?? []).map((a) => [a.name, a.mode]));
      } catch {
        return null;
      }
    }
    return this.modes.get(action) === 'queued' ? 'queued' : 'inline';
  }

  /** The signed-in user's feed, opened on first use (`act` opens it before its first POST). */
  feed(): Promise<FeedClient> {
    if (this.feedClient) return Promise.resolve(this.feedClient);
    if (!this.token) return Promise.reject(new BureauError('UNAUTHENTICATED', 'Log in first.', undefined, 401));
    const client = new FeedClient({ url: this.wsUrl, token: this.token, after: this.opts.after, socket: this.opts.socket, ...this.opts.feed });
    this.feedOpening ??= client.open().then(
      () => (this.feedClient = client),
      (err: unknown) => {
        this.feedOpening = null;
        throw err;
      },
    );
    return this.feedOpening;
  }

  /**
   * Runs an action and resolves with its result: an inline action's reply, or a
   * queued action's result from the feed. A refusal or a failed task throws
   * `BureauError` with its code.
   */
  async act<N extends ActionName>(action: N, data: DataOf<N>, opts: { key?: string; timeoutMs?: number } = {}): Promise<ResultOf<N>> {
    // Open before the POST: a result pushed before the reply is then already collected.
    // No websocket (a proxy without it, /ws refusing): the result is polled over GET /api/v1/tasks/:id instead.
    const feed = this.token && action !== 'login' && action !== 'logout' ? await this.feed().catch(() => null) : null;
    const reply = await this.submit(action, data, opts.key);
    if (reply.status >= 400) {
      const e = (reply.body as { error?: { code: string; message: string; details?: Record<string, unknown> } } | null)?.error;
      throw new BureauError(e?.code ?? 'INTERNAL', e?.message ?? `bureau answered ${reply.status}`, e?.details, reply.status);
    }
    if (!isTaskReply(reply.body)) return reply.body as ResultOf<N>;
    let task = reply.body.task;
    if (!FINAL.has(task.status)) task = await this.result(task.id, feed, opts.timeoutMs ?? this.opts.resultTimeoutMs ?? 30_000);
    if (task.status === 'succeeded') return task.result as ResultOf<N>;
    throw new BureauError(task.error?.code ?? task.status.toUpperCase(), task.error?.message ?? `Task ${task.id} was ${task.status}.`, task.error?.details, undefined, task.id);
  }

  /** A task's final state: from the feed, else (nothing within `ms`) as `GET /api/v1/tasks/:id` has it. */
  private async result(taskId: number, feed: FeedClient | null, ms: number): Promise<FeedTask> {
    if (feed) {
      try {
        return (await feed.waitFor(taskId, ms)).task;
      } catch {
        /* no push in time: ask */
      }
    }
    const task = await this.task(taskId);
    if (!FINAL.has(task.status)) throw new BureauError('UNAVAILABLE', `Task ${taskId} is still ${task.status} after ${ms} ms.`, { taskId }, undefined, taskId);
    return task;
  }

  /** `GET /api/v1/tasks/:id`. */
  async task(id: number): Promise<FeedTask> {
    const res = await fetch(`${this.base}/api/v1/tasks/${id}`, { headers: { accept: 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) } });
    const body = (await res.json()) as { task?: FeedTask; error?: { code: string; message: string } };
    if (!res.ok || !body.task) throw new BureauError(body.error?.code ?? 'INTERNAL', body.error?.message ?? `bureau answered ${res.status}`, undefined, res.status);
    return body.task;
  }

  private async closeFeed(): Promise<void> {
    const feed = this.feedClient;
    this.feedClient = null;
    this.feedOpening = null;
    await feed?.close();
  }

  /** Closes the feed (the token stays valid: `logout` revokes it). */
  close(): Promise<void> {
    return this.closeFeed();
  }
}
