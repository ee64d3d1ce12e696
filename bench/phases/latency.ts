import { closedLoop, openLoop, type OpenResult } from '../lib/load.js';
import { LANES, LATENCY_FRACTIONS, LATENCY_SECONDS, log, SECONDS } from '../lib/settings.js';
import type { Side, SideRun } from './rotation.js';

/** One open-loop run, without the queue-depth samples. */
export type OpenFigures = Omit<OpenResult, 'depthSamples'>;

export interface LatencyRun {
  /** The baseline's 64-lane closed-loop actions/s the offered rates are fractions of. */
  capacity: { perSecond: number; source: 'same run, 64-lane rotation' | 'same run, probe' };
  /** The peer measured beside bureau and the baseline (the highest 64-lane throughput). */
  bestPeer: { name: string; perSecond?: number; source: 'peers phase' | '--best-peer' | 'probe' } | null;
  seconds: number;
  rates: { fraction: number; rate: number; sides: Record<string, OpenFigures> }[];
}

/** A short 64-lane closed loop: the capacity of a side that did not take part in the rotation. */
async function probe(s: Side, seconds: number): Promise<number> {
  log(`latency: probing ${s.label}'s capacity, ${LANES} lanes, ${seconds}s`);
  const r = await closedLoop({ target: s.target, conns: s.conns, lanes: LANES, warmupSeconds: 3, seconds, scenario: s.scenario });
  log(`latency: ${s.label} ${r.perSecond}/s`);
  return r.perSecond;
}

/**
 * Latency as a user feels it: create_customer posted at fixed rates (25%, 50%,
 * 75% of the baseline's closed-loop capacity in this run), evenly spaced,
 * without waiting, on bureau, the baseline and the best peer in turn at each
 * rate; POST -> result on the user's websocket, every accepted action waited
 * for. The side that goes first changes from one rate to the next.
 */
export async function runLatency(opts: {
  bureau: Side;
  baseline: Side;
  peers: Side[];
  /** 64-lane results of the rotation, by side key (what is missing is probed). */
  measured: Map<string, SideRun>;
  bestPeerArg?: string;
  bureauDepth: () => Promise<number>;
}): Promise<LatencyRun> {
  const base = opts.measured.get('baseline');
  const capacity: LatencyRun['capacity'] = base ? { perSecond: base.result.perSecond, source: 'same run, 64-lane rotation' } : { perSecond: await probe(opts.baseline, SECONDS), source: 'same run, probe' };
  let bestPeer: LatencyRun['bestPeer'] = null;
  const ranked = opts.peers.map((p) => ({ name: p.key, perSecond: opts.measured.get(p.key)?.result.perSecond })).filter((p): p is { name: string; perSecond: number } => p.perSecond !== undefined);
  if (ranked.length) {
    const top = ranked.sort((a, b) => b.perSecond - a.perSecond)[0]!;
    bestPeer = { ...top, source: 'peers phase' };
  } else if (opts.bestPeerArg) {
    bestPeer = { name: opts.bestPeerArg, source: '--best-peer' };
  } else if (opts.peers.length) {
    const probed: { name: string; perSecond: number }[] = [];
    for (const p of opts.peers) probed.push({ name: p.key, perSecond: await probe(p, Math.min(SECONDS, 10)) });
    bestPeer = { ...probed.sort((a, b) => b.perSecond - a.perSecond)[0]!, source: 'probe' };
  }
  const peer = bestPeer ? opts.peers.find((p) => p.key === bestPeer.name) : undefined;
  const sides = [opts.baseline, opts.bureau, ...(peer ? [peer] : [])];
  const rates: LatencyRun['rates'] = [];
  for (const [i, fraction] of LATENCY_FRACTIONS.entries()) {
    const rate = Math.max(1, Math.round(capacity.perSecond * fraction));
    const row: Record<string, OpenFigures> = {};
    for (const s of [...sides.slice(i % sides.length), ...sides.slice(0, i % sides.length)]) {
      log(`latency: ${s.label} at ${rate}/s (${fraction * 100}% of the baseline's ${capacity.perSecond}/s), ${LATENCY_SECONDS}s`);
      const depth = s === opts.bureau ? opts.bureauDepth : () => Promise.resolve(0);
      const { depthSamples: _, ...o } = await openLoop({ target: s.target, conns: s.conns, rate, seconds: LATENCY_SECONDS, action: 'create_customer', data: (n) => ({ name: `Open ${n}` }), depth, drainTimeoutMs: 180_000 });
      log(`latency: ${s.label} result p50/p95/p99 ${o.resultLatency.p50}/${o.resultLatency.p95}/${o.resultLatency.p99} ms, accepted ${o.accepted}, 429 ${o.throttled}, errors ${o.errors}, lost ${o.lost}`);
      row[s.key] = o;
    }
    rates.push({ fraction, rate, sides: row });
  }
  return { capacity, bestPeer, seconds: LATENCY_SECONDS, rates };
}
