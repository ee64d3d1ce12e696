import { createRedis, type RedisClient } from './redis-connection.js';
import pg from 'pg';
import type { Config } from '../config.js';
import type { Logger } from './logger.js';

/**
 * A pointer to a stored feed entry, with the entry itself when it is small.
 * `seq: null` marks a live-only status message (e.g. `running`), never replayed.
 */
export interface FeedMessage {
  userId: number;
  seq: number | null;
  taskId: number | null;
  body?: Record<string, unknown>;
  /** W3C trace context of the worker's run (tracing on only), so the web process's push joins the action's trace. */
  trace?: Record<string, string>;
  /**
   * Not a feed entry: the user's sessions ended (account disabled, password
   * changed). Every web process closes that user's websockets after sending
   * `body`, except one opened with the token whose hash is `keep`.
   */
  endSessions?: { keep: string | null };
}

/** Fans results out from workers to every web process. At-most-once: resume covers the rest. */
export interface FeedBus {
  publish(messages: FeedMessage[]): Promise<void>;
  subscribe(handler: (m: FeedMessage) => void): Promise<void>;
  close(): Promise<void>;
}

// PostgreSQL NOTIFY payloads stop at 8000 bytes; larger bodies travel as pointers.
const MAX_INLINE_BODY = 6000;

function encode(messages: FeedMessage[], limit: number | null): string {
  return JSON.stringify(
    messages.map((m) => {
      if (limit === null || !m.body) return m;
      return JSON.stringify(m.body).length > limit / Math.max(1, messages.length) ? { ...m, body: undefined } : m;
    }),
  );
}

function decode(payload: string, handler: (m: FeedMessage) => void, log: Logger): void {
  try {
    const list = JSON.parse(payload) as FeedMessage[];
    for (const m of list) handler(m);
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'dropped a malformed feed message');
  }
}

const bySeq = (a: FeedMessage, b: FeedMessage): number => a.userId - b.userId || (a.seq ?? 0) - (b.seq ?? 0);

class RedisFeedBus implements FeedBus {
  private readonly pub: RedisClient;
  private sub: RedisClient | null = null;
  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly log: Logger,
  ) {
    this.pub = createRedis(url, { maxRetriesPerRequest: 2 });
    this.pub.on('error', (err) => log.warn({ err: err.message }, 'feed publisher error'));
  }
  private pending: FeedMessage[] = [];
  private batch: Promise<void> | null = null;
  /**
   * Messages published in the same turn of the event loop (by concurrent jobs)
   * go out as one PUBLISH, in the order they were given; every caller's promise
   * settles with that PUBLISH.
   */
  publish(messages: FeedMessage[]): Promise<void> {
    if (!messages.length) return Promise.resolve();
    this.pending.push(...messages);
    this.batch ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      // Jobs finish in one turn in whatever order their replies were read: each user's entries go out in seq
      // order, so the gateway does not take a late smaller seq for a gap to fill from PostgreSQL.
      const list = this.pending.sort(bySeq);
      this.pending = [];
      this.batch = null;
      await this.pub.publish(this.channel, encode(list, null));
    });
    return this.batch;
  }
  async subscribe(handler: (m: FeedMessage) => void): Promise<void> {
    // On a Redis Cluster a PUBLISH reaches subscribers on every node; ioredis resubscribes elsewhere when a node goes away.
    this.sub = createRedis(this.url, { maxRetriesPerRequest: null });
    this.sub.on('error', (err) => this.log.warn({ err: err.message }, 'feed subscriber error'));
    this.sub.on('message', (_channel: string, payload: string) => decode(payload, handler, this.log));
    await this.sub.subscribe(this.channel);
  }
  async close(): Promise<void> {
    this.pub.disconnect();
    this.sub?.disconnect();
  }
}

class PostgresFeedBus implements FeedBus {
  private readonly pool: pg.Pool;
  private listener: pg.Client | null = null;
  private closed = false;
  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly log: Logger,
  ) {
    this.pool = new pg.Pool({ connectionString: url, max: 2 });
    this.pool.on('error', (err) => log.warn({ err: err.message }, 'feed notify pool error'));
  }
  async publish(messages: FeedMessage[]): Promise<void> {
    if (messages.length) await this.pool.query('select pg_notify($1, $2)', [this.channel, encode(messages, MAX_INLINE_BODY)]);
  }
  async subscribe(handler: (m: FeedMessage) => void): Promise<void> {
    const connect = async (): Promise<void> => {
      const client = new pg.Client({ connectionString: this.url });
      client.on('notification', (n) => n.payload && decode(n.payload, handler, this.log));
      client.on('error', (err) => {
        this.log.warn({ err: err.message }, 'feed listener lost its connection; reconnecting');
        client.end().catch(() => undefined);
        if (!this.closed) setTimeout(() => void connect().catch(() => undefined), 1000);
      });
      await client.connect();
      await client.query(`listen "${this.channel.replace(/"/g, '')}"`);
      this.listener = client;
    };
    await connect();
  }
  async close(): Promise<void> {
    this.closed = true;
    await this.listener?.end().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }
}

export function createFeedBus(config: Config, log: Logger): FeedBus {
  return config.redisUrl
    ? new RedisFeedBus(config.redisUrl, `${config.queuePrefix}:${config.feedChannel}`, log)
    : new PostgresFeedBus(config.databaseUrl, `${config.queuePrefix}_${config.feedChannel}`.slice(0, 63), log);
}
