import type { FeedMessage } from '../infra/feed-bus.js';

/** Requests holding their reply (`wait`) until their task's final result arrives on the feed bus. */
export class Waiters {
  private readonly byTask = new Map<number, Set<() => void>>();

  /** Resolves true when a final result for `taskId` arrives, false after `ms`. */
  wait(taskId: number, ms: number): { done: Promise<boolean>; cancel: () => void } {
    let settle: (v: boolean) => void = () => undefined;
    const done = new Promise<boolean>((resolve) => (settle = resolve));
    const set = this.byTask.get(taskId) ?? new Set();
    this.byTask.set(taskId, set);
    const fire = () => finish(true);
    const timer = setTimeout(() => finish(false), ms);
    const finish = (v: boolean) => {
      clearTimeout(timer);
      set.delete(fire);
      if (!set.size) this.byTask.delete(taskId);
      settle(v);
    };
    set.add(fire);
    return { done, cancel: () => finish(false) };
  }

  /** Ends every wait now (shutdown): each request replies with its task's current status. */
  releaseAll(): void {
    for (const set of [...this.byTask.values()]) for (const fire of [...set]) fire();
  }

  onMessage(m: FeedMessage): void {
    if (m.seq === null || m.taskId === null) return;
    const set = this.byTask.get(m.taskId);
    if (set) for (const fire of [...set]) fire();
  }
}
