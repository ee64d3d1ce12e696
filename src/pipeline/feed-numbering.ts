import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { FeedBus, FeedMessage } from '../infra/feed-bus.js';
import { prepared } from './prepared.js';

const NUMBER = 'select feed_user, feed_seq, feed_task, feed_body from bureau_number_feed($1::int[])';

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
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly em: () => EntityManager,
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

  private run(): Promise<void> {
    const users = [...this.users];
    const traces = this.traces;
    this.users = new Set();
    this.traces = [];
    this.next = null;
    this.running = this.numberAndPublish(users, traces);
    return this.running;
  }

  private async numberAndPublish(users: number[], traces: PushTrace[]): Promise<void> {
    try {
      const rows = await prepared<{ feed_user: number; feed_seq: string | number; feed_task: string | number | null; feed_body: Record<string, unknown> }>(this.em(), 'bureau_number_feed', NUMBER, [users]);
      if (!rows.length) return;
      const carriers = new Map(traces.map((t) => [t.taskId, t.carrier]));
      const messages: FeedMessage[] = rows
        .map((r) => {
          const taskId = r.feed_task === null ? null : Number(r.feed_task);
          const carrier = taskId === null ? undefined : carriers.get(taskId);
          return { userId: r.feed_user, seq: Number(r.feed_seq), taskId, body: r.feed_body, ...(carrier ? { trace: carrier } : {}) };
        })
        .sort((a, b) => a.userId - b.userId || a.seq - b.seq);
      await this.bus.publish(messages).catch((err: Error) => this.log.warn({ err: err.message }, 'live push failed; clients get it on resume'));
    } catch (err) {
      this.log.warn({ err: (err as Error).message, users: users.length }, 'feed numbering failed; the next numbering of these users takes their entries');
    }
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
