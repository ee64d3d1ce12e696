import WebSocket from 'ws';
import type { Outcome, ResultFeed, Target, UserSlot } from './target-contract.js';

/** One user's plain websocket (the baseline's; bureau's target opens its own client's): results by task id, including results that arrive before their POST returns. */
export class UserFeed implements ResultFeed {
  private readonly waiting = new Map<string, (o: Outcome) => void>();
  private readonly early = new Map<string, Outcome>();
  answered = 0;
  /** Highest feed seq seen (bureau). */
  lastSeq = 0;
  ws!: WebSocket;
  private constructor(
    private readonly target: Target,
    private readonly user: UserSlot,
  ) {}

  private closedByUs = false;
  reconnects = 0;

  /**
   * Connects and resolves after the server's hello. Like a real client, a
   * dropped connection reconnects and resumes from the last seq it saw
   * (bureau); the baseline has no resume, so whatever it sends meanwhile is lost.
   */
  static async open(target: Target, user: UserSlot): Promise<UserFeed> {
    const feed = new UserFeed(target, user);
    await feed.connect();
    return feed;
  }

  private connect(): Promise<void> {
    const { url, hello } = this.target.wsFor(this.user, this.lastSeq);
    const ws = new WebSocket(url);
    this.ws = ws;
    return new Promise((resolve, reject) => {
      let greeted = false;
      ws.on('open', () => hello !== null && ws.send(JSON.stringify(hello)));
      ws.on('message', (raw) => {
        const m = JSON.parse(raw.toString()) as { type?: string; seq?: number };
        if (!greeted) {
          if (m.type !== 'hello') return reject(new Error(`${this.target.name}: websocket refused: ${raw.toString()}`));
          greeted = true;
          return resolve();
        }
        if (typeof m.seq === 'number') {
          if (m.seq <= this.lastSeq) return;
          this.lastSeq = m.seq;
        }
        const r = this.target.parseResult(m);
        if (!r) return;
        this.answered++;
        const w = this.waiting.get(r.id);
        if (w) {
          this.waiting.delete(r.id);
          w(r.outcome);
        } else this.early.set(r.id, r.outcome);
      });
      ws.on('error', (err) => {
        if (!greeted) reject(err);
      });
      ws.on('close', () => {
        if (!greeted) return reject(new Error(`${this.target.name}: websocket closed before hello`));
        if (this.closedByUs) return;
        this.reconnects++;
        setTimeout(() => void this.connect().catch(() => undefined), 100);
      });
    });
  }

  /** The outcome of task `id`, or null after `ms`. */
  wait(id: string, ms: number): Promise<Outcome | null> {
    const got = this.early.get(id);
    if (got) {
      this.early.delete(id);
      return Promise.resolve(got);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve(null);
      }, ms);
      this.waiting.set(id, (o) => {
        clearTimeout(timer);
        resolve(o);
      });
    });
  }

  close(): void {
    this.closedByUs = true;
    this.ws.close();
  }
}

export interface Connected {
  user: UserSlot;
  feed: ResultFeed;
}

export async function connectUsers(target: Target, users: UserSlot[]): Promise<Connected[]> {
  return Promise.all(users.map(async (user) => ({ user, feed: await (target.openFeed ? target.openFeed(user) : UserFeed.open(target, user)) })));
}
