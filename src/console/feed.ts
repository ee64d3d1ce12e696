import type { ErrorBody } from './api.js';

/**
 * The live feed over `/ws`. The first message is `{token, after}`; bureau
 * replays every stored entry with a higher `seq`, then sends live ones. The
 * console keeps the last `seq` and its rows in sessionStorage, so a reload or a
 * dropped connection resumes exactly where it stopped: no gap, no duplicate.
 * It reconnects on its own with exponential backoff (0.5 s doubling to 8 s, jittered).
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
  task?: { id: number; action: string; status: string; result?: unknown; error?: ErrorBody };
  notice?: FeedRow['notice'];
  error?: ErrorBody;
}

const MAX_ROWS = 300;
const FINAL = new Set(['succeeded', 'failed', 'cancelled']);
export const isFinal = (status: string | undefined) => status !== undefined && FINAL.has(status);

type Listener = (row: FeedRow, message: FeedMessage | null) => void;

export class Feed {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer: number | null = null;
  private stopped = false;
  private lastSeq: number;
  readonly rows = new Map<string, FeedRow>();
  state: ConnState = 'connecting';
  retryAt = 0;
  private readonly listeners = new Set<Listener>();
  private readonly stateListeners = new Set<(s: ConnState) => void>();
  private readonly waiters = new Map<number, ((row: FeedRow) => void)[]>();
  private saveTimer: number | null = null;
  /** Whether this connection has delivered a seq yet (see onMessage). */
  private replayStarted = false;

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

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.ws?.close(1000, 'logout');
    this.ws = null;
  }

  /** Drops the connection as a network failure would (the console's "reconnect now" and tests use it). */
  reconnect(): void {
    this.attempt = 0;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.ws) this.ws.close(4000, 'reconnect');
    else this.connect();
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

  private connect(): void {
    if (this.stopped) return;
    this.timer = null;
    this.setState(this.attempt === 0 && this.state !== 'reconnecting' ? 'connecting' : 'reconnecting');
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
    this.ws = ws;
    ws.addEventListener('open', () => ws.send(JSON.stringify({ token: this.token, after: this.lastSeq })));
    ws.addEventListener('message', (ev) => {
      let m: FeedMessage;
      try {
        m = JSON.parse(String(ev.data)) as FeedMessage;
      } catch {
        return;
      }
      this.onMessage(m, ws);
    });
    ws.addEventListener('close', (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) return this.setState('closed');
      if (ev.code === 4401) {
        this.stopped = true;
        this.setState('closed');
        return this.onExpired('Your session has ended; log in again.');
      }
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    const base = Math.min(8000, 500 * 2 ** this.attempt);
    const delay = Math.round(base / 2 + (Math.random() * base) / 2);
    this.attempt++;
    this.retryAt = Date.now() + delay;
    this.setState('reconnecting');
    this.timer = window.setTimeout(() => this.connect(), delay);
  }

  private onMessage(m: FeedMessage, ws: WebSocket): void {
    if (m.type === 'hello') {
      this.attempt = 0;
      this.replayStarted = false;
      this.setState('live');
      return;
    }
    if (m.type === 'error') return; // the close that follows says what to do
    if (typeof m.seq === 'number') {
      if (m.seq <= this.lastSeq) return; // already shown: never twice
      // The first entry after hello may start past lastSeq + 1 (older entries pruned after FEED_RETENTION_DAYS);
      // after that bureau sends every seq in order, so a hole means this connection missed something: resume.
      if (m.seq > this.lastSeq + 1 && this.replayStarted) {
        ws.close(4000, 'gap');
        return;
      }
      this.replayStarted = true;
      this.lastSeq = m.seq;
    }
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
    const row = this.rows.get(key) ?? { key, kind: 'task' as const, taskId: task.id, action: task.action, at: now, updatedAt: now, origin };
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
