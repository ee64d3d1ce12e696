import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { z } from 'zod';
import type { Config } from '../config.js';
import { AppError, toAppError } from '../core/errors.js';
import { dbOf, type Orm } from '../infra/db.js';
import type { FeedMessage } from '../infra/feed-bus.js';
import type { Logger } from '../infra/logger.js';
import type { Accounts } from '../domains/accounts/service.js';
import { readFeed } from '../pipeline/feed-entries.js';
import { tokenHash } from '../domains/accounts/passwords.js';

const Hello = z.strictObject({ token: z.string().min(1).max(512), after: z.number().int().min(0).default(0) });

interface Conn {
  ws: WebSocket;
  userId: number;
  /** The hash of the token it said hello with (which sessions a password change keeps). */
  tokenHash: string;
  /** Highest seq sent on this connection: nothing at or below it is sent again. */
  lastSent: number;
  /** Every send goes through this chain, so replay and live messages never interleave. */
  chain: Promise<void>;
  /** Steps on the chain not yet finished: with none, an in-order live message is sent at once. */
  queued: number;
}

/**
 * The websocket at /ws. Protocol: the client's first message is
 * `{"token", "after"}`; bureau answers `{"type": "hello", user, after}`, then
 * every stored feed entry with seq > after, in order, then live ones. Each entry
 * is sent once per connection; a gap in the live stream is filled from
 * PostgreSQL, so a lost pub/sub message only delays, never drops, a result.
 */
export class Gateway {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 8 * 1024 });
  private readonly byUser = new Map<number, Set<Conn>>();
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(
    private readonly deps: { orm: Orm; accounts: Accounts; config: Config; log: Logger },
  ) {}

  /** Open websocket connections (the metrics gauge). */
  get connections(): number {
    return this.wss.clients.size;
  }

  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = (req.url ?? '').split('?')[0];
      if (path !== '/ws') return socket.destroy();
      if (!this.originAllowed(req)) {
        socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
        return socket.destroy();
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        // handleUpgrade does not emit 'connection' itself: without it the heartbeat below never sees a pong listener and drops every socket at its first tick.
        this.wss.emit('connection', ws, req);
        this.onConnection(ws);
      });
    });
    const alive = new WeakSet<WebSocket>();
    this.wss.on('connection', (ws) => {
      alive.add(ws);
      ws.on('pong', () => alive.add(ws));
    });
    this.heartbeat = setInterval(() => {
      for (const ws of this.wss.clients) {
        if (!alive.has(ws)) ws.terminate();
        else {
          alive.delete(ws);
          ws.ping();
        }
      }
    }, 30_000);
    this.heartbeat.unref();
  }

  private originAllowed(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (!origin) return true; // not a browser: the token is the check
    if (this.deps.config.allowedOrigins.includes(origin)) return true;
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false;
    }
  }

  private onConnection(ws: WebSocket): void {
    // Without a listener, a frame over maxPayload (or any protocol error) is an unhandled 'error' event: it would kill the process. ws closes the socket itself (1009, 1002).
    ws.on('error', (err) => this.deps.log.debug({ err: err.message }, 'websocket protocol error'));
    const timer = setTimeout(() => ws.close(4400, 'send {"token", "after"} first'), 10_000);
    ws.once('message', (raw) => {
      clearTimeout(timer);
      void this.hello(ws, raw.toString()).catch((thrown) => {
        const err = toAppError(thrown);
        if (ws.readyState === WebSocket.OPEN) {
          ws.send(JSON.stringify({ type: 'error', error: err.toJSON() }));
          ws.close(err.code === 'UNAUTHENTICATED' ? 4401 : 4400, err.code);
        }
      });
    });
  }

  private async hello(ws: WebSocket, raw: string): Promise<void> {
    let msg: unknown;
    try {
      msg = JSON.parse(raw);
    } catch {
      throw new AppError('BAD_JSON', 'The first message must be JSON: {"token", "after"}.');
    }
    const hello = Hello.safeParse(msg);
    if (!hello.success) throw new AppError('BAD_ENVELOPE', 'The first message must be {"token": string, "after": number}.');
    const actor = await this.deps.accounts.authenticate(dbOf(this.deps.orm.em.fork()), hello.data.token);
    const conn: Conn = { ws, userId: actor.id, tokenHash: tokenHash(hello.data.token), lastSent: hello.data.after, chain: Promise.resolve(), queued: 0 };
    const set = this.byUser.get(actor.id) ?? new Set<Conn>();
    set.add(conn);
    this.byUser.set(actor.id, set);
    ws.on('close', () => {
      set.delete(conn);
      if (!set.size) this.byUser.delete(actor.id);
    });
    ws.on('message', () => undefined); // later messages carry nothing yet; the socket stays open
    this.send(conn, { type: 'hello', user: { id: actor.id, email: actor.email, role: actor.role, level: actor.level, tenantId: actor.tenantId }, after: hello.data.after });
    this.enqueue(conn, () => this.catchUp(conn));
  }

  private enqueue(conn: Conn, step: () => Promise<void> | void): void {
    conn.queued++;
    conn.chain = conn.chain
      .then(step)
      .catch((err: Error) => {
        this.deps.log.warn({ err: err.message, userId: conn.userId }, 'feed delivery failed; closing so the client resumes');
        conn.ws.close(1011, 'resume');
      })
      .finally(() => void conn.queued--);
  }

  private send(conn: Conn, body: unknown): void {
    if (conn.ws.readyState !== WebSocket.OPEN) return;
    // A client that cannot keep up is dropped; it resumes from its last seq.
    if (conn.ws.bufferedAmount > 8 * 1024 * 1024) return void conn.ws.close(1013, 'slow consumer; resume');
    conn.ws.send(JSON.stringify(body));
  }

  private async catchUp(conn: Conn): Promise<void> {
    for (;;) {
      if (conn.ws.readyState !== WebSocket.OPEN) return;
      const rows = await readFeed(this.deps.orm.em.fork(), conn.userId, conn.lastSent);
      for (const r of rows) {
        this.send(conn, r.body);
        conn.lastSent = r.seq;
      }
      if (rows.length < 500) return;
    }
  }

  /** Called for every message on the feed bus. */
  deliver(m: FeedMessage): void {
    const set = this.byUser.get(m.userId);
    if (!set) return;
    if (m.endSessions) return this.endSessions(set, m.endSessions.keep, m.body);
    for (const conn of set) {
      // Nothing pending on this connection and nothing missing: send now, without a turn through the chain.
      if (conn.queued === 0 && !this.needsCatchUp(conn, m)) this.deliverNow(conn, m);
      else this.enqueue(conn, () => (this.needsCatchUp(conn, m) ? this.catchUp(conn) : this.deliverNow(conn, m)));
    }
  }

  /** The user's sessions ended (disabled, password changed): tell each connection why and close it, 4401 as for a bad token. */
  private endSessions(set: Set<Conn>, keep: string | null, body: Record<string, unknown> | undefined): void {
    for (const conn of set) {
      if (conn.tokenHash === keep) continue;
      if (body) this.send(conn, body);
      conn.ws.close(4401, 'session ended');
    }
  }

  /** A stored entry past the next expected seq (or one too big to travel inline): read what is missing from PostgreSQL. */
  private needsCatchUp(conn: Conn, m: FeedMessage): boolean {
    return m.seq !== null && m.seq > conn.lastSent && !(m.seq === conn.lastSent + 1 && m.body);
  }

  private deliverNow(conn: Conn, m: FeedMessage): void {
    if (m.seq === null) return this.send(conn, m.body);
    if (m.seq <= conn.lastSent) return;
    this.send(conn, m.body);
    conn.lastSent = m.seq;
  }

  async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const ws of this.wss.clients) ws.close(1001, 'server shutting down');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
