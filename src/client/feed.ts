import WebSocket from 'ws';
import { isFinalTask } from '../domains/tasks/machine.js';

/**
 * A client of bureau's result feed (`/ws`, served by `src/realtime/gateway.ts`).
 *
 * The wire contract:
 *   - the client's first message is `{"token": string, "after": number}`: the
 *     session token and the highest feed `seq` it already has (0 at first);
 *   - bureau answers `{"type": "hello", ...}`, then sends every stored result
 *     after `after`, then new ones as they finish: `{"type": "result", "seq",
 *     "task": {id, action, status, result | error}}`, in `seq` order;
 *   - a message without `seq` is live-only progress (a task still `running`);
 *     other types (notices) are not results;
 *   - a refused hello is `{"type": "error", "error"}` and a close (4401/4400);
 *   - bureau closes a connection it cannot serve (slow consumer, failed
 *     delivery, restart): the client reconnects with `after` = the last `seq` it
 *     saw, so no result is lost.
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
  error?: { code?: string; message?: string; details?: unknown };
}

/** A final result: the task is succeeded, failed or cancelled. */
export interface FeedResult {
  seq: number;
  type: 'result';
  task: FeedTask;
}

export interface FeedClientOptions {
  /** `ws://host:port/ws` */
  url: string;
  token: string;
  /** Names the feed in errors (`websocket of admin@acme.test`); default the URL. */
  label?: string;
  /** Sees every message bureau sends (hello, results, progress, notices, errors), parsed, before the client does. */
  onMessage?: (message: FeedMessage) => void;
  /** Pause before reconnecting after a drop (default 200 ms). */
  reconnectDelayMs?: number;
}

export class FeedError extends Error {
  override name = 'FeedError';
}

/**
 * One user's feed: collects final results by task id (also those that arrive
 * before anyone waits for them) and resumes from its last `seq` when the
 * socket drops. `waitFor` hands each result out once.
 */
export class FeedClient {
  private ws: WebSocket | null = null;
  private seen = 0;
  private closing = false;
  private readonly results = new Map<number, FeedResult>();
  private readonly waiters = new Map<number, (m: FeedResult) => void>();
  private failure: Error | null = null;
  private readonly label: string;

  constructor(private readonly opts: FeedClientOptions) {
    this.label = opts.label ?? opts.url;
  }

  /** The highest `seq` received: where a reconnection resumes. */
  get lastSeq(): number {
    return this.seen;
  }

  /** Connects (again) and resolves once bureau said hello. */
  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.opts.url);
      this.ws = ws;
      let greeted = false;
      ws.on('open', () => ws.send(JSON.stringify({ token: this.opts.token, after: this.seen })));
      ws.on('message', (raw) => {
        let m: FeedMessage;
        try {
          m = JSON.parse(raw.toString()) as FeedMessage;
        } catch {
          return;
        }
        this.opts.onMessage?.(m);
        if (m.type === 'hello') {
          greeted = true;
          return resolve();
        }
        if (m.type === 'error') {
          this.failure = new FeedError(`websocket of ${this.label} refused: ${JSON.stringify(m.error)}`);
          return;
        }
        if (m.type !== 'result' || typeof m.seq !== 'number' || !m.task) return;
        if (m.seq > this.seen) this.seen = m.seq;
        const msg = m as unknown as FeedResult;
        if (!isFinalTask(msg.task.status)) return;
        const waiter = this.waiters.get(msg.task.id);
        if (waiter) waiter(msg);
        else this.results.set(msg.task.id, msg);
      });
      ws.on('error', (err) => {
        if (!greeted) reject(new FeedError(`websocket of ${this.label}: ${err.message}`));
      });
      ws.on('close', (code, reason) => {
        if (!greeted) return reject(this.failure ?? new FeedError(`websocket of ${this.label} closed before hello (${code} ${reason.toString()})`));
        if (this.closing) return;
        setTimeout(() => {
          if (!this.closing) this.open().catch((err: Error) => (this.failure = err));
        }, this.opts.reconnectDelayMs ?? 200).unref();
      });
    });
  }

  /** The final result of task `taskId`, whether it already arrived or not; rejects after `ms`. */
  waitFor(taskId: number, ms: number): Promise<FeedResult> {
    const have = this.results.get(taskId);
    if (have) {
      this.results.delete(taskId);
      return Promise.resolve(have);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(taskId);
        reject(this.failure ?? new FeedError(`no result for task ${taskId} on ${this.label}'s websocket within ${ms} ms`));
      }, ms);
      this.waiters.set(taskId, (m) => {
        clearTimeout(timer);
        this.waiters.delete(taskId);
        resolve(m);
      });
    });
  }

  /** Closes for good (no reconnection); terminates the socket if bureau does not answer the close within 2 s. */
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
