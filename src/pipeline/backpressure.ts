import { AppError } from '../core/errors.js';
import type { Queues } from '../infra/queue.js';
import type { Placement, TenantShares } from './fairness.js';

/**
 * Refuses new work (429 RATE_LIMITED with Retry-After) while a queue's backlog
 * (jobs waiting to run, not delayed timers) is at `maxBacklog`, so an overload
 * shows up at the door instead of as unbounded queues and latency. Depths are
 * read from the queue at most every `refreshMs` per web process.
 *
 * With `shares` (see fairness.ts), a refusal is the tenant's own: a tenant at
 * its own limit on the queue is refused, and a full queue refuses only tenants
 * holding at least their share of it (MAX_BACKLOG over the tenants with work
 * there), so one tenant's flood does not turn others away. Tasks held in the
 * outbox for fairness wait as much as those in the queue: they count in its depth.
 */
export class Backpressure {
  private readonly depths = new Map<string, { at: number; depth: number; refreshing?: Promise<number> }>();

  constructor(
    private readonly queues: Queues,
    private readonly maxBacklog: number,
    private readonly refreshMs: number,
    readonly shares: TenantShares | null = null,
  ) {}

  async check(queue: string, tenantId?: number): Promise<void> {
    if (tenantId !== undefined && this.shares?.over(queue, tenantId)) {
      const limit = this.shares.limitFor(queue);
      throw new AppError('RATE_LIMITED', `Your organisation has ${limit} tasks in flight on the ${queue} queue (its limit); retry later.`, { queue, limit, retryAfter: 1 });
    }
    if (this.maxBacklog <= 0) return;
    const depth = (await this.depth(queue)) + (this.shares?.heldOn(queue) ?? 0);
    if (depth < this.maxBacklog) return;
    if (tenantId !== undefined && this.shares) {
      const tenants = this.shares.tenantsOn(queue);
      const share = this.maxBacklog / Math.max(1, tenants.size);
      if ((tenants.get(tenantId) ?? 0) < share) return;
    }
    throw new AppError('RATE_LIMITED', `The ${queue} queue has ${depth} tasks waiting (limit ${this.maxBacklog}); retry later.`, { queue, backlog: depth, retryAfter: 1 });
  }

  /** For a submit whose tenant is not known yet: whether nobody could be refused on this queue now (else take `check`). */
  async clear(queue: string): Promise<boolean> {
    if (this.shares?.anyOver(queue)) return false;
    return this.maxBacklog <= 0 || (await this.depth(queue)) + (this.shares?.heldOn(queue) ?? 0) < this.maxBacklog;
  }

  /** How many more of the tenant's tasks may go to the queue now, the rest being held (Infinity: no limit). */
  room(queue: string, tenantId: number): number {
    return this.shares?.room(queue, tenantId) ?? Infinity;
  }

  /** For a batch whose tenants are not known yet: the room of every tenant that has a limit on the queue now. */
  rooms(queue: string): { tenantId: number; room: number }[] {
    return this.shares?.rooms(queue) ?? [];
  }

  /** Counts a task the door recorded for the tenant (held or not); a dispatched one's job gets its priority and hand-off. */
  place(queue: string, tenantId: number, taskId: number, held: boolean): Placement {
    return this.shares?.take(queue, tenantId, taskId, held) ?? {};
  }

  /**
   * The queue's depth, re-read when older than `refreshMs` (requests arriving
   * during that read use the last value); an unreadable queue counts as empty
   * (the outbox holds the work until it is back).
   */
  private async depth(queue: string): Promise<number> {
    const cached = this.depths.get(queue);
    if (cached && (cached.refreshing || Date.now() - cached.at < this.refreshMs)) return cached.depth;
    const refreshing = this.queues
      .queue(queue)
      .getJobCountByTypes('wait', 'prioritized')
      .catch(() => 0)
      .then((depth) => {
        this.depths.set(queue, { at: Date.now(), depth });
        return depth;
      });
    this.depths.set(queue, { at: cached?.at ?? 0, depth: cached?.depth ?? 0, refreshing });
    return refreshing;
  }
}
