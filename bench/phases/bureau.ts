import { loginAll, release, startBureau, type BureauMode } from '../lib/bureau.js';
import { connectUsers, openLoop, type ClosedResult } from '../lib/load.js';
import { rssKiB } from '../lib/procs.js';
import type { BureauRun } from '../lib/report.js';
import { createScenario } from '../lib/scenarios.js';
import type { BenchUsers } from '../lib/seed.js';
import { dropPrefix, type Services } from '../lib/services.js';
import { BENCH_MAX_BACKLOG, LANES, log, ONE_LANE_SECONDS, SECONDS } from '../lib/settings.js';
import { bureauTarget } from '../lib/targets.js';
import { runLatency, type LatencyRun } from './latency.js';
import { runMixed } from './mixed.js';
import { idleCost, rotate, rotateOneLane, type IdleCost, type Side, type SideRun } from './rotation.js';

/** What bureau's run does besides starting: which loads, beside which other sides. */
export interface BureauPlan {
  /** Turns each side takes under each load (one when bureau runs it alone). */
  rounds: number;
  /** bureau (8 users) in the 64-lane rotation. */
  lanes64: boolean;
  /** bureau with all 64 lanes on ONE user (one websocket), in the same rotation. */
  oneUser: boolean;
  /** bureau in the 1-lane rotation. */
  lane1: boolean;
  /**
   * Sides already running (the baseline, the peers) that take turns with
   * bureau: `lanes64` in the 64-lane rotation, `lane1` at 1 lane, `latency` in
   * the open-loop latency phase. `stop` runs before mixed and overload, which
   * are bureau's alone.
   */
  company?: { lanes64: Side[]; lane1: Side[]; baseline?: Side; peers: Side[]; stop(): Promise<void> };
  latency: { bestPeerArg?: string } | null;
  mixed: boolean;
  overload: boolean;
}

export interface BureauOutcome {
  run: BureauRun;
  /** Every side's 64-lane rotation result, bureau's and the one-user side's included, by key. */
  lanes64: Map<string, SideRun>;
  lane1: Map<string, ClosedResult>;
  latency?: LatencyRun;
  idle?: IdleCost;
}

/**
 * bureau in `mode`, with the Procfile's processes, the bench users logged in
 * and one websocket each, taking turns with the plan's other sides: the
 * 64-lane closed loop, the 1-lane floor, the open-loop latency phase; then its
 * mixed workload and overload alone.
 */
export async function runBureau(svc: Services, users: BenchUsers, mode: BureauMode, plan: BureauPlan): Promise<BureauOutcome> {
  await release(mode);
  const b = await startBureau(mode);
  try {
    const target = bureauTarget(b.url);
    const conns = await connectUsers(target, await loginAll(b.url, users.admins));
    const redisUrl = mode.redisUrl || undefined;
    const self: Side = { key: 'bureau', label: mode.label, target, conns, procs: b.procs.map((p) => ({ name: p.name.replace(/^[^-]+-/, ''), pid: p.pid })), redisUrl, scenario: createScenario, explainLost: true };
    // One user, one websocket (bureau's client), all 64 lanes: the per-user feed is the only thing it shares with nobody.
    const oneUser: Side = { ...self, key: 'bureau-one-user', label: `${mode.label}, one user`, conns: conns.slice(0, 1) };
    const others = plan.company;
    const sides64 = [...(others?.lanes64 ?? []), ...(plan.lanes64 ? [self] : []), ...(plan.oneUser ? [oneUser] : [])];
    const idle = sides64.length > 1 ? await idleCost(svc) : undefined;
    const lanes64 = sides64.length ? await rotate(svc, sides64, { rounds: sides64.length > 1 ? plan.rounds : 1, lanes: LANES, seconds: SECONDS, warmupSeconds: 5 }) : new Map<string, SideRun>();
    const sides1 = [...(others?.lane1 ?? []), ...(plan.lane1 ? [self] : [])];
    const lane1 = sides1.length ? await rotateOneLane(sides1, { rounds: sides1.length > 1 ? plan.rounds : 1, seconds: ONE_LANE_SECONDS }) : new Map<string, ClosedResult>();
    let latency: LatencyRun | undefined;
    if (plan.latency && others?.baseline) {
      latency = await runLatency({ bureau: self, baseline: others.baseline, peers: others.peers, measured: lanes64, bestPeerArg: plan.latency.bestPeerArg, bureauDepth: () => b.depth('admin') });
    } else if (plan.latency) log('latency: skipped (the baseline is not running)');
    // The rest is bureau's alone.
    await others?.stop();
    const mine = lanes64.get('bureau');
    const run: BureauRun = { mode: mode.label, lanes64: mine?.result, lanes64Budget: mine?.budget, cpuRounds: mine?.roundBudgets.map((x) => x.cpuMsPerAction), lane1: lane1.get('bureau'), rss: {} };
    if (plan.mixed) run.mixed = await runMixed(svc, b, users, conns, target, redisUrl);
    if (plan.overload) {
      const rate = Math.min(3000, Math.max(600, Math.round((run.lanes64?.perSecond ?? 300) * 3)));
      log(`${mode.label}: open-loop overload at ${rate}/s for 15s (MAX_BACKLOG ${BENCH_MAX_BACKLOG})`);
      const o = await openLoop({ target, conns, rate, seconds: 15, action: 'create_customer', data: (n) => ({ name: `Flood ${n}` }), depth: () => b.depth('admin') });
      log(`overload: accepted ${o.accepted}, 429 ${o.throttled}, max depth ${o.maxDepth}, lost ${o.lost}, errors ${o.errors}`);
      run.overload = { ...o, maxBacklog: BENCH_MAX_BACKLOG };
    }
    for (const p of b.procs) run.rss[p.name.replace(/^[^-]+-/, '')] = Math.round(rssKiB(p.pid) / 1024);
    for (const c of conns) c.feed.close();
    return { run, lanes64, lane1, latency, idle };
  } finally {
    await b.stop();
    if (mode.redisUrl) await dropPrefix(mode.redisUrl, mode.queuePrefix);
  }
}
