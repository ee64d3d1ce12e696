import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type pg from 'pg';
import type { FeedBus, FeedMessage } from '../infra/feed-bus.js';
import { prepared } from './prepared.js';

const NUMBER = 'select feed_user, feed_seq, feed_task, feed_body from bureau_number_feed($1::int[])';

/** One entry the numbering gave its seq. */
export interface NumberedRow {
  feed_user: number;
  feed_seq: string | number;
  feed_task: string | number | null;
  feed_body: Record<string, unknown>;
}

/** Runs the numbering statement for some users; returns the entries it numbered. */
export type NumberFeed = (users: number[]) => Promise<NumberedRow[]>;

/**
 * The numbering on a connection of its own (a pool of one, opened on first
 * use): a process numbers one batch at a time, and a batch that waited in the
 * task pool's queue behind every job waiting for a connection held every
 * task's push back by as long (runtime.ts gives each process one).
 */
export const numberOnPool = (pool: pg.Pool): NumberFeed => async (users) => (await pool.query<NumberedRow>({ name: 'bureau_number_feed', text: NUMBER, values: [users] })).rows;

/** W3C trace context of the task whose entries a caller committed: the push of its entries joins that trace. */
export interface PushTrace {
  taskId: number;
  carrier: Record<string, string>;
}

/**
 * Numbers committed feed entries and publishes them (see migration
 * 20261206160000). A process calls `settle(users)` after every COMMIT that
 * appended entries for `users`. Calls made while a numbering is in flight are
 * numbered together by the next one, one statement for all of them: the
 * busier the process, the more commits one numbering carries, so one user's
 * results are never numbered one commit at a time.
 *
 * `settle` resolves once the entries are numbered and published, by this
 * process or by another (whoever numbers an entry publishes it). A failure is
 * logged and leaves the entries unnumbered: the next numbering of the user
 * takes them, and `numberStale` (maintenance) any left by a crash.
 */
export class FeedNumbering {
  private users = new Set<number>();
  private traces: PushTrace[] = [];
  private next: Promise<void> | null = null;
  /** The numbering in flight (its statement; its publish goes on beside the next one). */
  private running: Promise<unknown> = Promise.resolve();
  /** The publishes, in numbering order. */
  private publishing: Promise<void> = Promise.resolve();

  constructor(
    private readonly number: NumberFeed,
    private readonly bus: FeedBus,
    private readonly log: Logger,
  ) {}

  settle(userIds: Iterable<number>, trace?: PushTrace): Promise<void> {
    for (const id of userIds) this.users.add(id);
    if (!this.users.size) return Promise.resolve();
    if (trace) this.traces.push(trace);
    // Starts after the one in flight (and after this turn of the event loop, so concurrent commits share it).
    this.next ??= this.running.then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(() => this.run());
    return this.next;
  }

  /** Numbers what was asked for so far; resolves once it is published (after every earlier numbering's publish). */
  private run(): Promise<void> {
    const users = [...this.users];
    const traces = this.traces;
    this.users = new Set();
    this.traces = [];
    this.next = null;
    const numbered = this.numbered(users, traces);
    this.running = numbered;
    return numbered.then((messages) => (this.publishing = this.publishing.then(() => this.publish(messages))));
  }

  private async numbered(users: number[], traces: PushTrace[]): Promise<FeedMessage[]> {
    try {
      const rows = await this.number(users);
      const carriers = new Map(traces.map((t) => [t.taskId, t.carrier]));
      return rows
        .map((r) => {
          const taskId = r.feed_task === null ? null : Number(r.feed_task);
          const carrier = taskId === null ? undefined : carriers.get(taskId);
          return { userId: r.feed_user, seq: Number(r.feed_seq), taskId, body: r.feed_body, ...(carrier ? { trace: carrier } : {}) };
        })
        .sort((a, b) => a.userId - b.userId || a.seq - b.seq);
    } catch (err) {
      this.log.warn({ err: (err as Error).message, users: users.length }, 'feed numbering failed; the next numbering of these users takes their entries');
      return [];
    }
  }

  private async publish(messages: FeedMessage[]): Promise<void> {
    if (!messages.length) return;
    await this.bus.publish(messages).catch((err: Error) => this.log.warn({ err: err.message }, 'live push failed; clients get it on resume'));
  }
}

/** Users with entries left unnumbered for over `olderThanMs` (their process died between COMMIT and numbering). */
export async function staleFeedUsers(em: EntityManager, olderThanMs: number, limit = 1000): Promise<number[]> {
  const rows = await prepared<{ user_id: number }>(
    em,
    'bureau_feed_stale_users',
    `select distinct user_id from (select user_id from feed_entry where seq < 0 and created_at < now() - make_interval(secs => $1::double precision / 1000) limit $2) s`,
    [olderThanMs, limit],
  );
  return rows.map((r) => r.user_id);
}
