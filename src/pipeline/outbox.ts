import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { inTransaction, sql } from '../infra/db.js';
import type { Dispatch, Queues } from '../infra/queue.js';

/**
 * Moves outbox rows to BullMQ. The row is written in the same transaction as
 * its task, so a task can never exist without a way to its queue. Each process
 * dispatches its own rows at once after commit and deletes them in batches; the
 * relay loop picks up whatever a crash or a queue outage left behind.
 */
export class Outbox {
  private done: number[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private relayTimer: NodeJS.Timeout | null = null;
  private relaying = false;
  private pass: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly em: () => EntityManager,
    private readonly queues: Queues,
    private readonly log: Logger,
    private readonly staleMs = 2000,
  ) {}

  private soon: Dispatch[] = [];

  /**
   * Fire and forget: failures leave the rows for the relay. Items given in the
   * same turn of the event loop (concurrent requests) go to the queue in one
   * addBulk per queue.
   */
  dispatchSoon(items: Dispatch[]): void {
    if (!items.length) return;
    if (!this.soon.length) setImmediate(() => this.dispatchBatch());
    this.soon.push(...items);
  }

  private dispatchBatch(): void {
    const items = this.soon;
    this.soon = [];
    this.dispatchNow(items);
  }

  /** Fire and forget, at once: for a caller that already batched its items (failures leave the rows for the relay). */
  dispatchNow(items: Dispatch[]): void {
    if (!items.length) return;
    this.queues
      .dispatch(items)
      .then(() => this.markDone(items.map((i) => i.taskId)))
      .catch((err: Error) => this.log.warn({ err: err.message, count: items.length }, 'dispatch failed; the outbox relay will retry'));
  }

  private markDone(ids: number[]): void {
    this.done.push(...ids);
    if (this.done.length >= 500) void this.flushDone();
    else this.flushTimer ??= setTimeout(() => void this.flushDone(), 20);
  }

  private async flushDone(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const ids = this.done;
    this.done = [];
    if (!ids.length) return;
    try {
      await sql(this.em(), 'delete from outbox where task_id = any(?::bigint[])', [ids]);
    } catch (err) {
      // Harmless: the relay re-dispatches them and BullMQ drops a job id it already has.
      this.log.warn({ err: (err as Error).message }, 'outbox cleanup failed');
    }
  }

  /** One relay pass: dispatch rows older than `staleMs`. Returns how many it moved. */
  async relayOnce(): Promise<number> {
    if (this.relaying) return 0;
    this.relaying = true;
    try {
      // Raw SQL only, so nothing to flush; not `em.transactional` (see `inTransaction`): the relay runs in every web process.
      return await inTransaction(this.em(), async (em) => {
        const rows = await sql<{ task_id: number; queue: string; run_at: Date | null }>(
          em,
          // Held rows (fairness: `held_for` set) are not leftovers: held-tasks.ts releases them.
          `select task_id, queue, run_at from outbox where created_at < now() - make_interval(secs => ?) and held_for is null
            order by created_at limit 500 for update skip locked`,
          [this.staleMs / 1000],
        );
        if (!rows.length) return 0;
        await this.queues.dispatch(rows.map((r) => ({ taskId: r.task_id, queue: r.queue, runAt: r.run_at ? new Date(r.run_at) : null })));
        await sql(em, 'delete from outbox where task_id = any(?::bigint[])', [rows.map((r) => r.task_id)]);
        this.log.info({ count: rows.length }, 'outbox relay dispatched leftover tasks');
        return rows.length;
      });
    } finally {
      this.relaying = false;
    }
  }

  startRelay(intervalMs: number): void {
    if (this.relayTimer || this.stopped) return;
    const tick = async () => {
      try {
        await this.relayOnce();
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'outbox relay pass failed');
      }
      if (!this.stopped) this.relayTimer = setTimeout(() => (this.pass = tick()), intervalMs);
    };
    this.relayTimer = setTimeout(() => (this.pass = tick()), intervalMs);
  }

  /** Stops the relay and waits for a pass in flight: it holds a database connection until its queue add returns. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.relayTimer) clearTimeout(this.relayTimer);
    await this.pass;
    await this.flushDone();
  }
}
