/** How long a queue stays shared out after its light tenant was last seen with work (a closed-loop client between two actions has none). */
export const LINGER_MS = 2000;

/** A tenant's share of a queue's worker slots while `tenants` have work on it (at least one slot each). */
export const shareOf = (slots: number, tenants: number): number => Math.max(1, Math.floor(slots / tenants));

/**
 * When a queue's worker slots are shared out between tenants, and how many
 * each may then have in the queue (waiting or running; the rest are held).
 *
 * Only while a *light* tenant has work there: several tenants have tasks in
 * flight on the queue and one of them has at most half its share (slots /
 * tenants). Then every tenant is held to its share, so the light tenant's tasks
 * find free slots and fewer tasks running beside them. Otherwise nobody is
 * held: a lone tenant gets every slot, and tenants that each use more than half
 * their share gain little from it (with `slots` the queue's real worker slots,
 * BullMQ's priorities already give each about its share), while every held task
 * costs a release. A queue stays shared out for `lingerMs` after the light
 * tenant was last seen, so a client pausing between two actions does not let
 * the flood back in at once.
 */
export class SlotShares {
  private readonly last = new Map<string, { at: number; share: number }>();

  constructor(
    /** The queue's worker slots over all its worker processes (0 = never share out). */
    readonly slots: number,
    private readonly lingerMs = LINGER_MS,
  ) {}

  /** The most tasks each tenant may have in the queue now, from every tenant's tasks in flight there; Infinity when not shared out. */
  limit(queue: string, inFlight: Iterable<number>, now = Date.now()): number {
    if (this.slots <= 0) return Infinity;
    const counts = [...inFlight].filter((n) => n > 0);
    const share = shareOf(this.slots, Math.max(1, counts.length));
    if (counts.length >= 2) {
      if (!counts.some((n) => n <= share / 2)) return Infinity;
      this.last.set(queue, { at: now, share });
      return share;
    }
    const last = this.last.get(queue);
    return last && now - last.at < this.lingerMs ? last.share : Infinity;
  }
}
