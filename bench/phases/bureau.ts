import { loginAll, release, startBureau, type BureauMode } from '../lib/bureau.js';
import type { BaselineSide } from '../lib/baseline.js';
import type { Budget } from '../lib/counters.js';
import { closedLoop, connectUsers, mergeClosed, openLoop, type ClosedResult } from '../lib/load.js';
import { explainLost, measured } from '../lib/measure.js';
import { rssKiB } from '../lib/procs.js';
import type { BureauRun } from '../lib/report.js';
import { baseScenario, createScenario } from '../lib/scenarios.js';
import type { BenchUsers } from '../lib/seed.js';
import { dropPrefix, type Services } from '../lib/services.js';
import { BENCH_MAX_BACKLOG, LANES, log, ONE_LANE_SECONDS, ROUNDS, SECONDS } from '../lib/settings.js';
import { bureauTarget } from '../lib/targets.js';
import { runMixed } from './mixed.js';

export type BaselineResult = { lanes64: ClosedResult; lanes64Budget: Budget; lane1: ClosedResult };

/**
 * bureau in `mode`. With `baseline` (already running), the two take turns
 * under the same load, ROUNDS times each (baseline, bureau, baseline,
 * bureau...), so drift in the machine's speed (other people's work) falls on
 * both alike; each side's rounds are merged.
 */
export async function runBureau(svc: Services, users: BenchUsers, mode: BureauMode, opts: { mixed: boolean; overload: boolean; baseline?: BaselineSide; onBaseline?: (r: BaselineResult) => void }): Promise<BureauRun> {
  await release(mode);
  const b = await startBureau(mode);
  try {
    const target = bureauTarget(b.url);
    const admins = await loginAll(b.url, users.admins);
    const conns = await connectUsers(target, admins);
    const redisUrl = mode.redisUrl || undefined;
    const base = opts.baseline;
    const rounds = base ? ROUNDS : 1;
    const b64: { result: ClosedResult; budget: Budget }[] = [];
    const x64: { result: ClosedResult; budget: Budget }[] = [];
    for (let r = 1; r <= rounds; r++) {
      if (base) {
        log(`baseline: ${LANES} lanes, ${SECONDS}s (round ${r}/${rounds})`);
        const m = await measured(svc, base, svc.redisUrl, () => closedLoop({ target: base.target, conns: base.conns, lanes: LANES, warmupSeconds: 5, seconds: SECONDS, scenario: baseScenario }));
        log(`baseline: ${m.result.perSecond}/s p50 ${m.result.latency.p50} p95 ${m.result.latency.p95} (reply p50 ${m.result.reply.p50}) errors ${m.result.errors} lost ${m.result.lost}`);
        b64.push(m);
      }
      log(`${mode.label}: ${LANES} lanes, ${SECONDS}s (round ${r}/${rounds})`);
      // Snapshots include warm-up; the budget divides by every action completed between them.
      const m = await measured(svc, b, redisUrl, () => closedLoop({ target, conns, lanes: LANES, warmupSeconds: 5, seconds: SECONDS, scenario: createScenario }));
      log(`${mode.label}: ${m.result.perSecond}/s p50 ${m.result.latency.p50} p95 ${m.result.latency.p95} (reply p50 ${m.result.reply.p50}) errors ${m.result.errors} lost ${m.result.lost} reconnects ${m.result.reconnects}`);
      await explainLost(svc, m.result);
      x64.push(m);
    }
    const b1: ClosedResult[] = [];
    const x1: ClosedResult[] = [];
    for (let r = 1; r <= rounds; r++) {
      if (base) {
        b1.push(await closedLoop({ target: base.target, conns: base.conns.slice(0, 1), lanes: 1, warmupSeconds: 2, seconds: ONE_LANE_SECONDS, scenario: baseScenario }));
        log(`baseline 1 lane: p50 ${b1[b1.length - 1]!.latency.p50}, reply p50 ${b1[b1.length - 1]!.reply.p50} (round ${r}/${rounds})`);
      }
      x1.push(await closedLoop({ target, conns: conns.slice(0, 1), lanes: 1, warmupSeconds: 2, seconds: ONE_LANE_SECONDS, scenario: createScenario }));
      log(`${mode.label} 1 lane: p50 ${x1[x1.length - 1]!.latency.p50}, reply p50 ${x1[x1.length - 1]!.reply.p50} (round ${r}/${rounds})`);
    }
    if (base) {
      opts.onBaseline?.({ lanes64: mergeClosed(b64.map((m) => m.result)), lanes64Budget: b64[0]!.budget, lane1: mergeClosed(b1) });
      // The rest is bureau's alone.
      await base.stop();
    }
    const out: BureauRun = { mode: mode.label, lanes64: mergeClosed(x64.map((m) => m.result)), lanes64Budget: x64[0]!.budget, lane1: mergeClosed(x1), rss: {} };
    if (opts.mixed) out.mixed = await runMixed(svc, b, users, conns, target, redisUrl);
    if (opts.overload) {
      const rate = Math.min(3000, Math.max(600, Math.round(out.lanes64.perSecond * 3)));
      log(`${mode.label}: open-loop overload at ${rate}/s for 15s (MAX_BACKLOG ${BENCH_MAX_BACKLOG})`);
      const o = await openLoop({ target, conns, rate, seconds: 15, action: 'create_customer', data: (n) => ({ name: `Flood ${n}` }), depth: () => b.depth('admin') });
      log(`overload: accepted ${o.accepted}, 429 ${o.throttled}, max depth ${o.maxDepth}, lost ${o.lost}, errors ${o.errors}`);
      out.overload = { ...o, maxBacklog: BENCH_MAX_BACKLOG };
    }
    for (const p of b.procs) out.rss[p.name.replace(/^[^-]+-/, '')] = Math.round(rssKiB(p.pid) / 1024);
    for (const c of conns) c.feed.close();
    return out;
  } finally {
    await b.stop();
    if (mode.redisUrl) await dropPrefix(mode.redisUrl, mode.queuePrefix);
  }
}
