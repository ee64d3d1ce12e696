import { FeedClient, type FeedMessage as ClientMessage } from '../client/index.js';
import type { ErrorBody } from './api.js';

/**
 * The live feed over `/ws`. The first message is `{token, after}`; bureau
 * replays every stored entry with a higher `seq`, then sends live ones. The
 * console keeps the last `seq` and its rows in sessionStorage, so a reload or a
 * dropped connection resumes exactly where it stopped: no gap, no duplicate.
 * The connection is bureau's one feed client (`src/client/feed.ts`, the page's
 * WebSocket): it reconnects on its own with exponential backoff (0.5 s
 * doubling to 8 s, jittered), resumes and refetches gaps; this class keeps the
 * rows the views show.
 */
export type ConnState = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface FeedRow {
  /** `t<taskId>` for task results, `n<seq>` for notices. */
  key: string;
  kind: 'task' | 'notice';
  taskId?: number;
  action?: string;
  status?: string;
  result?: unknown;
  error?: ErrorBody;
  notice?: { type: string; item?: { type: string; id: number; [k: string]: unknown }; [k: string]: unknown };
  seq?: number;
  /** When the console first saw it, and last changed it. */
  at: number;
  updatedAt: number;
  /** `sent` from a form, `view` a read a view made, `feed` only seen on the feed. */
  origin: 'sent' | 'view' | 'feed';
}

export interface FeedMessage {
  type: 'hello' | 'result' | 'notice' | 'error';
  seq?: number;
  task?: { id: number; action: string; status: string; result?: unknown; error?: ErrorBody; finishedAt?: string };
  notice?: FeedRow['notice'];
  error?: ErrorBody;
}

const MAX_ROWS = 300;
const FINAL = new Set(['succeeded', 'failed', 'cancelled']);
export const isFinal = (status: string | undefined) => status !== undefined && FINAL.has(status);

type Listener = (row: FeedRow, message: FeedMessage | null) => void;

export class Feed {
  private client: FeedClient | null = null;
  private stopped = false;
  private lastSeq: number;
  readonly rows = new Map<string, FeedRow>();
  state: ConnState = 'connecting';
  private readonly listeners = new Set<Listener>();
  private readonly stateListeners = new Set<(s: ConnState) => void>();
  private readonly waiters = new Map<number, ((row: FeedRow) => void)[]>();
  private saveTimer: number | null = null;

  constructor(
    private readonly token: string,
    private readonly userId: number,
    private readonly onExpired: (message: string) => void,
  ) {
    this.lastSeq = Number(sessionStorage.getItem(this.storageKey('seq')) ?? 0) || 0;
    try {
      for (const r of JSON.parse(sessionStorage.getItem(this.storageKey('rows')) ?? '[]') as FeedRow[]) this.rows.set(r.key, r);
    } catch {
      this.rows.clear();
    }
  }

  private storageKey(what: string) {
    return `bureau.feed.${this.userId}.${what}`;
  }

  get seq(): number {
    return this.lastSeq;
  }

  /** When the next reconnection is due, while `reconnecting`. */
  get retryAt(): number {
    return this.client?.retryAt ?? 0;
  }

  start(): void {
    this.stopped = false;
    const client = new FeedClient({
      url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`,
      token: this.token,
      after: this.lastSeq,
      keepTrying: true,
      reconnectDelayMs: 500,
      maxReconnectDelayMs: 8000,
      onState: (s) => this.setState(s),
      onEntry: (m) => this.onEntry(m),
      onExpired: () => {
        this.stopped = true;
        this.onExpired('Your session has ended; log in again.');
      },
    });
    this.client = client;
    void client.open().catch(() => undefined);
  }

  stop(): void {
    this.stopped = true;
    void this.client?.close();
    this.client = null;
  }

  /** Drops the connection as a network failure would (the console's "reconnect now" and tests use it). */
  reconnect(): void {
    if (this.client) this.client.reconnect();
    else this.start();
  }

  onRow(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  onState(fn: (s: ConnState) => void): () => void {
    this.stateListeners.add(fn);
    fn(this.state);
    return () => this.stateListeners.delete(fn);
  }

  /** Resolves with the task's row once it is final (at once when it already is). */
  waitFor(taskId: number): Promise<FeedRow> {
    const row = this.rows.get(`t${taskId}`);
    if (row && isFinal(row.status)) return Promise.resolve(row);
    return new Promise((resolve) => this.waiters.set(taskId, [...(this.waiters.get(taskId) ?? []), resolve]));
  }

  /** A task the console itself just sent: shown at once as queued (or final, when the reply carried the result). */
  track(task: { id: number; action: string; status: string; result?: unknown; error?: ErrorBody }, origin: FeedRow['origin']): FeedRow {
    const key = `t${task.id}`;
    const existing = this.rows.get(key);
    if (existing) {
      if (origin !== 'feed' && existing.origin === 'feed') existing.origin = origin;
      if (!isFinal(existing.status) && isFinal(task.status)) this.applyTask(task, null);
      this.emit(existing, null);
      return existing;
    }
    return this.applyTask(task, null, origin);
  }

  private setState(s: ConnState): void {
    this.state = s;
    for (const fn of this.stateListeners) fn(s);
  }

  /** Each stored entry once, in seq order (and live-only progress), from the feed client. */
  private onEntry(raw: ClientMessage): void {
    const m = raw as unknown as FeedMessage;
    if (typeof m.seq === 'number') this.lastSeq = m.seq;
    if (m.type === 'result' && m.task) this.applyTask(m.task, m);
    else if (m.type === 'notice' && m.notice && typeof m.seq === 'number') {
      const now = Date.now();
      const row: FeedRow = { key: `n${m.seq}`, kind: 'notice', notice: m.notice, seq: m.seq, at: now, updatedAt: now, origin: 'feed' };
      this.rows.set(row.key, row);
      this.emit(row, m);
    }
    this.persistSoon();
  }

  private applyTask(task: NonNullable<FeedMessage['task']>, m: FeedMessage | null, origin: FeedRow['origin'] = 'feed'): FeedRow {
    const key = `t${task.id}`;
    const now = Date.now();
    // A result replayed from the feed shows when the task finished, not when this page saw it.
    const finished = 'finishedAt' in task && typeof task.finishedAt === 'string' ? Date.parse(task.finishedAt) : NaN;
    const at = Number.isFinite(finished) ? Math.min(finished, now) : now;
    const row = this.rows.get(key) ?? { key, kind: 'task' as const, taskId: task.id, action: task.action, at, updatedAt: at, origin };
    // A live-only "running" may arrive after the stored final result was replayed: a final status never goes back.
    if (!(isFinal(row.status) && !isFinal(task.status))) {
      row.status = task.status;
      row.result = task.result;
      row.error = task.error;
      row.updatedAt = now;
    }
    if (typeof m?.seq === 'number') row.seq = m.seq;
    this.rows.set(key, row);
    this.emit(row, m);
    if (isFinal(row.status)) {
      for (const resolve of this.waiters.get(task.id) ?? []) resolve(row);
      this.waiters.delete(task.id);
    }
    this.persistSoon();
    return row;
  }

  private emit(row: FeedRow, m: FeedMessage | null): void {
    for (const fn of this.listeners) fn(row, m);
  }

  private persistSoon(): void {
    if (this.saveTimer !== null) return;
    this.saveTimer = window.setTimeout(() => this.persist(), 100);
  }

  /** Keeps the newest rows and the seq they reach; called often, and before the page unloads. */
  persist(): void {
    if (this.saveTimer !== null) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    if (this.stopped && this.state === 'closed' && !sessionStorage.getItem('bureau.session')) return;
    const rows = [...this.rows.values()].sort((a, b) => a.at - b.at || (a.seq ?? 0) - (b.seq ?? 0));
    const kept = rows.slice(-MAX_ROWS);
    if (kept.length < rows.length) for (const r of rows.slice(0, rows.length - MAX_ROWS)) this.rows.delete(r.key);
    try {
      sessionStorage.setItem(this.storageKey('rows'), JSON.stringify(kept));
      sessionStorage.setItem(this.storageKey('seq'), String(this.lastSeq));
    } catch {
      /* storage full: the feed still works, a reload replays from the last seq it could store */
    }
  }
}
