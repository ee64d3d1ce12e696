/**
 * One user's websocket on a peer's web: sends every feed entry after `after`
 * in seq order, then live ones, never one twice. A live notice that is the
 * next seq and carries its body is sent as it is; any other (a gap: a notice
 * missed or arriving while a read is under way, or one without a body) is
 * repaired by reading the feed table from the last seq sent. Reads see every
 * seq below a notified one because one user's entries commit in seq order.
 */
import type pg from 'pg';
import type { WebSocket } from 'ws';
import type { FeedBody, FeedNotice } from './finish.js';
import type { PeerTables } from './schema.js';

const PAGE = 500;

export class FeedSocket {
  /** Highest seq sent on this connection. */
  private last: number;
  /** Highest seq known to exist (from notices). */
  private want = 0;
  private reading = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly pool: pg.Pool,
    private readonly t: PeerTables,
    readonly user: number,
    after: number,
  ) {
    this.last = after;
  }

  /** Sends the hello, then everything after `after`. */
  start(): void {
    this.ws.send(JSON.stringify({ type: 'hello', user: this.user, after: this.last }));
    this.repair();
  }

  notice(n: FeedNotice): void {
    if (n.seq <= this.last) return;
    if (!this.reading && n.seq === this.last + 1 && n.body) return this.send(n.seq, n.body);
    this.want = Math.max(this.want, n.seq);
    this.repair();
  }

  /** Reads the table until this connection has caught up with every seq it knows of (and a short page says there is no more). */
  repair(): void {
    if (this.reading) return;
    this.reading = true;
    void this.readLoop()
      .catch((err: Error) => {
        console.error(`feed read for user ${this.user} failed: ${err.message}`);
        this.ws.close(1011, 'feed read failed');
      })
      .finally(() => {
        this.reading = false;
      });
  }

  private async readLoop(): Promise<void> {
    for (;;) {
      if (this.ws.readyState !== this.ws.OPEN) return;
      const { rows } = await this.pool.query<{ seq: string; body: FeedBody }>(
        `select seq, body from ${this.t.feed} where user_id = $1 and seq > $2 order by seq limit ${PAGE}`,
        [this.user, this.last],
      );
      for (const r of rows) this.send(Number(r.seq), r.body);
      // Everything notified is sent, and the last page was short: nothing more to read until the next notice.
      if (rows.length < PAGE && this.last >= this.want) return;
      if (rows.length === 0) return;
    }
  }

  private send(seq: number, body: FeedBody): void {
    if (seq <= this.last) return;
    this.last = seq;
    this.ws.send(JSON.stringify({ user: this.user, seq, ...body }));
  }
}
