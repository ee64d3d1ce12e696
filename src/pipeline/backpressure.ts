import { AppError } from '../core/errors.js';
import type { Queues } from '../infra/queue.js';

/**
 * Refuses new work (429 RATE_LIMITED with Retry-After) while a queue's backlog
 * (jobs waiting to run, not delayed timers) is at `maxBacklog`, so an overload
 * shows up at the door instead of as unbounded queues and latency. Depths are
 * read from the queue at most every `refreshMs` per web process.
 */
export class Backpressure {
  private readonly depths = new Map<string, { at: number; depth: number; refreshing?: Promise<number> }>();

  constructor(
    private readonly queues: Queues,
    private readonly maxBacklog: number,
    private readonly refreshMs: number,
  ) {}

  async check(queue: string): Promise<void> {
    if (this.maxBacklog <= 0) return;
    const depth = await this.depth(queue);
    if (depth >= this.maxBacklog) {
      throw new AppError('RATE_LIMITED', `The ${queue} queue has ${depth} tasks waiting (limit ${this.maxBacklog}); retry later.`, { queue, backlog: depth, retryAfter: 1 });
    }
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
