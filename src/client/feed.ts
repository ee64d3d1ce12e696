import { isFinalTask } from '../domains/tasks/machine.js';

/**
 * A client of bureau's result feed (`/ws`, served by `src/realtime/gateway.ts`),
 * for Node and the browser: it speaks the standard WebSocket interface, so it
 * uses the browser's `WebSocket` by default and `ws` when given it
 * (`src/client/node.ts` does). It imports no Node module.
 *
 * The wire contract:
 *   - the client's first message is `{"token": string, "after": number}`: the
 *     session token and the highest feed `seq` it already has (0 at first);
 *   - bureau answers `{"type": "hello", ...}`, then sends every stored entry
 *     after `after`, then new ones as they finish: `{"type": "result", "seq",
 *     "task": {id, action, status, result | error, finishedAt}}` or
 *     `{"type": "notice", "seq", "notice"}`, in `seq` order;
 *   - a message without `seq` is live-only progress (a task still `running`);
 *   - a refused hello is `{"type": "error", "error"}` and a close (4401 for a
 *     bad or expired token, 4400 otherwise);
 *   - bureau closes a connection it cannot serve (slow consumer, failed
 *     delivery, restart): the client reconnects with `after` = the last `seq` it
 *     saw, so no entry is lost and none comes twice.
 */

/** A parsed feed message, before the client looks at it. */
export interface FeedMessage {
  type?: string;
  seq?: unknown;
  [key: string]: unknown;
}

export interface FeedTask {
  id: number;
  action: string;
  status: string;
  result?: unknown;
  error?: { code: string; message: string; details?: Record<string, unknown> };
  /** When the task finished (stored results): a replayed entry keeps its time. */
  finishedAt?: string;
}

/** A final result: the task is succeeded, failed or cancelled. */
export interface FeedResult {
  seq: number;
  type: 'result';
  task: FeedTask;
}

/** The part of the standard WebSocket this client uses (the browser's, or `ws`'s). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: { data?: unknown; code?: number; reason?: string; message?: string }) => void): void;
}

/** Opens a socket to `url`: the browser's WebSocket by default. */
export type SocketFactory = (url: string) => SocketLike;

export type FeedState = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface FeedClientOptions {
  /** `ws://host:port/ws` (`wss://` behind TLS). */
  url: string;
  token: string;
  /** Resume after this `seq` (a console reload keeps it in sessionStorage); default 0: every stored entry. */
  after?: number;
  /** Names the feed in errors (`websocket of admin@acme.test`); default the URL. */
  label?: string;
  socket?: SocketFactory;
  /** Sees every message bureau sends (hello, results, progress, notices, errors), parsed, before the client does: duplicates too. */
  onMessage?: (message: FeedMessage) => void;
  /** Every stored entry (result or notice) once, in `seq` order, and live-only progress (no `seq`). */
  onEntry?: (message: FeedMessage) => void;
  onState?: (state: FeedState) => void;
  /** Each socket's close, with its code (4401: the session ended). */
  onClose?: (code: number) => void;
  /** The token was refused (4401): the client stops; log in again. */
  onExpired?: (message: string) => void;
  /** Reconnect after a drop (default true). */
  reconnect?: boolean;
  /** Also keep trying when the first connection fails (a page opened while bureau is down); `open()` then resolves at the first hello. */
  keepTrying?: boolean;
  /** First pause before reconnecting (default 200 ms), doubling per failed try up to `maxReconnectDelayMs` (8 s), jittered. */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
}

export class FeedError extends Error {
  override name = 'FeedError';
}

const OPEN = 1;
const CLOSED = 3;
/** Results nobody waited for yet (a replay, or a push that beat its POST's reply): the newest are kept. */
const MAX_UNCLAIMED = 5000;

function defaultSocket(url: string): SocketLike {
  const Ws = (globalThis as { WebSocket?: new (url: string) => SocketLike }).WebSocket;
  if (!Ws) throw new FeedError('no global WebSocket here: in Node, import the client from bureau/client (src/client/node.ts), which uses ws');
  return new Ws(url);
}

/**
 * One user's feed: delivers each stored entry once and in order, collects final
 * results by task id (also those that arrive before anyone waits for them),
 * resumes from its last `seq` after a drop, and refetches a gap.
 */
export class FeedClient {
  private socket: SocketLike | null = null;
  private seen: number;
  private closing = false;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly results = new Map<number, FeedResult>();
  private readonly waiters = new Map<number, ((m: FeedResult) => void)[]>();
  private failure: Error | null = null;
  /** keepTrying: the first `open()` still waiting for a hello. */
  private pendingOpen: (() => void) | null = null;
  private readonly label: string;
  state: FeedState = 'connecting';
  /** When the next reconnection is due (ms since the epoch), while `reconnecting`. */
  retryAt = 0;
  /** Reconnections after a drop, since the client was made. */
  reconnects = 0;

  constructor(private readonly opts: FeedClientOptions) {
    this.label = opts.label ?? opts.url;
    this.seen = opts.after ?? 0;
  }

  /** The highest `seq` received: where a reconnection resumes. */
  get lastSeq(): number {
    return this.seen;
  }

  /** Connects and resolves once bureau said hello; rejects when the first connection fails (a refused token, nothing listening). */
  open(): Promise<void> {
    this.closing = false;
    return this.connect();
  }

  /** Drops the connection as a network failure would, and resumes at once. */
  reconnect(): void {
    this.attempt = 0;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.socket && this.socket.readyState === OPEN) this.socket.close(4000, 'reconnect');
    else void this.connect().catch(() => undefined);
  }

  private setState(state: FeedState): void {
    this.state = state;
    this.opts.onState?.(state);
  }

  private connect(): Promise<void> {
    this.timer = null;
    this.setState(this.attempt === 0 && this.reconnects === 0 ? 'connecting' : 'reconnecting');
    return new Promise((resolve, reject) => {
      let socket: SocketLike;
      try {
        socket = (this.opts.socket ?? defaultSocket)(this.opts.url);
      } catch (err) {
        return reject(err);
      }
      this.socket = socket;
      let greeted = false;
      /** Whether this connection delivered a stored entry yet: after the first, a hole in `seq` means one was missed. */
      let replayStarted = false;
      socket.addEventListener('open', () => socket.send(JSON.stringify({ token: this.opts.token, after: this.seen })));
      socket.addEventListener('message', (ev) => {
        let m: FeedMessage;
        try {
          m = JSON.parse(String(ev.data)) as FeedMessage;
        } catch {
          return;
        }
        this.opts.onMessage?.(m);
        if (m.type === 'hello') {
          greeted = true;
          this.pendingOpen?.();
          this.pendingOpen = null;
          this.attempt = 0;
          this.failure = null;
          this.setState('live');
          return resolve();
        }
        if (m.type === 'error') {
          this.failure = new FeedError(`websocket of ${this.label} refused: ${JSON.stringify(m.error)}`);
          return;
        }
        if (typeof m.seq === 'number') {
          if (m.seq <= this.seen) return;
          // The first entry after hello may start past seen + 1 (older entries pruned); later, a hole means a miss: resume.
          if (m.seq > this.seen + 1 && replayStarted) return socket.close(4000, 'gap');
          replayStarted = true;
          this.seen = m.seq;
        }
        this.opts.onEntry?.(m);
        if (m.type === 'result' && typeof m.seq === 'number' && m.task && isFinalTask((m as unknown as FeedResult).task.status)) this.deliver(m as unknown as FeedResult);
      });
      socket.addEventListener('error', (ev) => {
        if (!greeted) this.failure ??= new FeedError(`websocket of ${this.label}: ${ev.message ?? 'connection failed'}`);
      });
      socket.addEventListener('close', (ev) => {
        if (this.socket === socket) this.socket = null;
        this.opts.onClose?.(ev.code ?? 1005);
        if (ev.code === 4401) {
          this.closing = true;
          this.setState('closed');
          const err = this.failure ?? new FeedError(`websocket of ${this.label}: the session has ended`);
          this.opts.onExpired?.(err.message);
          return reject(err);
        }
        if (!greeted && this.reconnects === 0 && this.attempt === 0 && !this.opts.keepTrying) return reject(this.failure ?? new FeedError(`websocket of ${this.label} closed before hello (${ev.code} ${ev.reason ?? ''})`));
        if (greeted || !this.opts.keepTrying) resolve(); // a reconnection's outcome is the next connection's
        else this.pendingOpen ??= resolve;
        if (this.closing || this.opts.reconnect === false) return this.setState('closed');
        this.scheduleReconnect();
      });
    });
  }

  private scheduleReconnect(): void {
    const first = this.opts.reconnectDelayMs ?? 200;
    const base = Math.min(this.opts.maxReconnectDelayMs ?? 8000, first * 2 ** this.attempt);
    const delay = Math.round(base / 2 + (Math.random() * base) / 2);
    this.attempt++;
    this.reconnects++;
    this.retryAt = Date.now() + delay;
    this.setState('reconnecting');
    this.timer = setTimeout(() => {
      if (!this.closing) void this.connect().catch((err: Error) => (this.failure = err));
    }, delay);
    (this.timer as { unref?: () => void }).unref?.();
  }

  private deliver(m: FeedResult): void {
    const waiting = this.waiters.get(m.task.id);
    if (waiting) {
      this.waiters.delete(m.task.id);
      for (const w of waiting) w(m);
      return;
    }
    this.results.set(m.task.id, m);
    if (this.results.size > MAX_UNCLAIMED) this.results.delete(this.results.keys().next().value!);
  }

  /** The final result of task `taskId`, whether it already arrived or not; rejects after `ms`. */
  waitFor(taskId: number, ms: number): Promise<FeedResult> {
    const have = this.results.get(taskId);
    if (have) {
      this.results.delete(taskId);
      return Promise.resolve(have);
    }
    return new Promise((resolve, reject) => {
      const done = (m: FeedResult) => {
        clearTimeout(timer);
        resolve(m);
      };
      const timer = setTimeout(() => {
        const list = (this.waiters.get(taskId) ?? []).filter((w) => w !== done);
        if (list.length) this.waiters.set(taskId, list);
        else this.waiters.delete(taskId);
        reject(this.failure ?? new FeedError(`no result for task ${taskId} on ${this.label}'s websocket within ${ms} ms`));
      }, ms);
      this.waiters.set(taskId, [...(this.waiters.get(taskId) ?? []), done]);
    });
  }

  /** Closes for good (no reconnection); resolves when the socket closed, or after 2 s. */
  close(): Promise<void> {
    this.closing = true;
    if (this.timer !== null) clearTimeout(this.timer);
    const socket = this.socket;
    if (!socket || socket.readyState === CLOSED) {
      this.setState('closed');
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 2000);
      socket.addEventListener('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.close(1000, 'bye');
    });
  }
}
