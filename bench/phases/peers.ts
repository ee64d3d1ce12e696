import type { BaselineSide } from '../lib/baseline.js';
import type { UserSlot } from '../lib/load.js';
import { startPeer, type PeerName } from '../lib/peers.js';
import { baseScenario } from '../lib/scenarios.js';
import type { Services } from '../lib/services.js';
import { log } from '../lib/settings.js';
import { roleNames, type Side } from './rotation.js';

/** A running reference pipeline (the baseline, a peer) as a side of the rotation. */
export function sideOf(key: string, label: string, running: BaselineSide, redisUrl: string): Side {
  return { key, label, target: running.target, conns: running.conns, procs: roleNames(running.procs), redisUrl, scenario: baseScenario };
}

/**
 * Starts the peers (bench/peers/: the same create_customer round trip with the
 * same promises, on graphile-worker, pg-boss and BullMQ with a hand-written
 * outbox), one after the other, each with the bench's users' websockets open.
 * They stay up, idle between their turns, until `stop`: an idle peer costs
 * little (its pollers' CPU is measured, see `idleCost`), and starting four
 * stacks per round would cost more time than the rounds. A peer that fails to
 * start is left out and reported, and the rest run.
 */
export async function startPeers(svc: Services, users: UserSlot[], names: readonly PeerName[]): Promise<{ sides: Side[]; failed: Record<string, string>; stop(): Promise<void> }> {
  const running: BaselineSide[] = [];
  const sides: Side[] = [];
  const failed: Record<string, string> = {};
  for (const name of names) {
    try {
      const t0 = Date.now();
      const p = await startPeer(name, svc, users);
      running.push(p);
      sides.push(sideOf(name, name, p, svc.redisUrl));
      log(`peer ${name}: up in ${((Date.now() - t0) / 1000).toFixed(1)}s (${p.procs.map((x) => x.name).join(', ')})`);
    } catch (err) {
      failed[name] = (err as Error).message;
      log(`peer ${name}: did not start, left out: ${(err as Error).message}`);
    }
  }
  return {
    sides,
    failed,
    async stop() {
      await Promise.allSettled(running.splice(0).map((p) => p.stop()));
    },
  };
}
