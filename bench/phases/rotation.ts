import { mergeBudgets, type Budget } from '../lib/counters.js';
import { closedLoop, mergeClosed, type Act, type ClosedResult, type Connected, type Target } from '../lib/load.js';
import { explainLost, measuredProcs } from '../lib/measure.js';
import { cpuMs, treeCpuMs } from '../lib/procs.js';
import type { Services } from '../lib/services.js';
import { log } from '../lib/settings.js';

/**
 * One pipeline under test as the closed loop sees it: bureau, the baseline, a
 * peer, or bureau driven by a single user. Its processes are already running;
 * `procs` are named by role (`web`, `worker`, bureau's worker kinds), and
 * PostgreSQL's backends, redis-server and the driver are added to its budget.
 */
export interface Side {
  /** Key in the results: `baseline`, `bureau`, `bureau-one-user`, or a peer's name. */
  key: string;
  label: string;
  target: Target;
  /** Lane i runs on conns[i % conns.length]. */
  conns: Connected[];
  procs: { name: string; pid: number }[];
  /** Its commands are counted when set (the same redis-server serves every side). */
  redisUrl?: string;
  scenario: (act: Act, conn: Connected) => Promise<void>;
  /** bureau's task ids: a lost one is looked up in its task table. */
  explainLost?: boolean;
}

/** A side's rounds under one closed loop, merged; `roundBudgets` keep each round's CPU and round trips. */
export interface SideRun {
  label: string;
  result: ClosedResult;
  budget: Budget;
  roundBudgets: Budget[];
}

/** A side's process names by role: the last `-` part of each (`baseline-web` -> `web`, `x-relay` -> `relay`), numbered when two share one. */
export function roleNames(procs: { name: string; pid: number }[]): { name: string; pid: number }[] {
  const seen = new Map<string, number>();
  return procs.map((p) => {
    const last = p.name.split('-').pop() || 'worker';
    // postgres, redis and driver name the budget's shared entries.
    const role = /web/i.test(last) ? 'web' : ['postgres', 'redis', 'driver'].includes(last) ? `${last}-client` : last;
    const n = (seen.get(role) ?? 0) + 1;
    seen.set(role, n);
    return { name: n === 1 ? role : `${role}${n}`, pid: p.pid };
  });
}

/**
 * The sides take turns under the same closed loop, `rounds` times (A, B, C, A,
 * B, C...), so drift in the machine's speed (other people's work) falls on all
 * of them alike; each is warmed up once first. Every side stays up for the
 * whole rotation: an idle side's pollers cost PostgreSQL and Redis a little
 * CPU that is charged to whichever side is measured (see `idleCost`).
 */
export async function rotate(svc: Services, sides: Side[], opts: { rounds: number; lanes: number; seconds: number; warmupSeconds: number }): Promise<Map<string, SideRun>> {
  const runs = new Map<string, { label: string; results: ClosedResult[]; budgets: Budget[] }>();
  // Unmeasured, so that no side's first round carries its processes' start-up (JIT compiling, pools filling) alone.
  log(`warming up ${sides.map((s) => s.label).join(', ')}: ${opts.lanes} lanes, ${opts.warmupSeconds + 1}s each`);
  for (const s of sides) await closedLoop({ target: s.target, conns: s.conns, lanes: opts.lanes, warmupSeconds: opts.warmupSeconds, seconds: 1, scenario: s.scenario });
  for (let r = 1; r <= opts.rounds; r++) {
    for (const s of sides) {
      log(`${s.label}: ${opts.lanes} lanes over ${s.conns.length} user${s.conns.length === 1 ? '' : 's'}, ${opts.seconds}s (round ${r}/${opts.rounds})`);
      const m = await measuredProcs(svc, s.procs, s.redisUrl, () => closedLoop({ target: s.target, conns: s.conns, lanes: opts.lanes, warmupSeconds: opts.warmupSeconds, seconds: opts.seconds, scenario: s.scenario }));
      const x = m.result;
      log(`${s.label}: ${x.perSecond}/s p50 ${x.latency.p50} p95 ${x.latency.p95} (reply p50 ${x.reply.p50}) errors ${x.errors} lost ${x.lost} reconnects ${x.reconnects}`);
      if (s.explainLost) await explainLost(svc, x);
      const run = runs.get(s.key) ?? { label: s.label, results: [], budgets: [] };
      run.results.push(x);
      run.budgets.push(m.budget);
      runs.set(s.key, run);
    }
  }
  return new Map([...runs].map(([k, v]) => [k, { label: v.label, result: mergeClosed(v.results), budget: mergeBudgets(v.budgets), roundBudgets: v.budgets }]));
}

/** The 1-lane floor: the sides take turns, one lane on their first user. */
export async function rotateOneLane(sides: Side[], opts: { rounds: number; seconds: number }): Promise<Map<string, ClosedResult>> {
  const runs = new Map<string, ClosedResult[]>();
  for (let r = 1; r <= opts.rounds; r++) {
    for (const s of sides) {
      const x = await closedLoop({ target: s.target, conns: s.conns.slice(0, 1), lanes: 1, warmupSeconds: 2, seconds: opts.seconds, scenario: s.scenario });
      log(`${s.label} 1 lane: p50 ${x.latency.p50}, reply p50 ${x.reply.p50} (round ${r}/${opts.rounds})`);
      runs.set(s.key, [...(runs.get(s.key) ?? []), x]);
    }
  }
  return new Map([...runs].map(([k, v]) => [k, mergeClosed(v)]));
}

/** What the idle sides cost while one side is measured: PostgreSQL (every backend) and redis-server CPU per second with no load at all. */
export interface IdleCost {
  seconds: number;
  postgresMsPerSecond: number;
  redisMsPerSecond: number;
}

export async function idleCost(svc: Services, seconds = 5): Promise<IdleCost> {
  const read = () => ({ pg: svc.pids.postgres ? treeCpuMs(svc.pids.postgres) : 0, redis: svc.pids.redis ? cpuMs(svc.pids.redis) : 0, t: performance.now() });
  const a = read();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const b = read();
  const s = (b.t - a.t) / 1000;
  const out = { seconds: Math.round(s * 10) / 10, postgresMsPerSecond: Math.round(((b.pg - a.pg) / s) * 10) / 10, redisMsPerSecond: Math.round(((b.redis - a.redis) / s) * 10) / 10 };
  log(`idle (every side up, no load, ${out.seconds}s): PostgreSQL ${out.postgresMsPerSecond} ms/s, redis-server ${out.redisMsPerSecond} ms/s of CPU`);
  return out;
}
