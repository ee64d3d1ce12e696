import { loginAll, release, startBureau, type BureauMode } from '../lib/bureau.js';
import { closedLoop, connectUsers, type ClosedResult } from '../lib/load.js';
import { createScenario } from '../lib/scenarios.js';
import type { BenchUsers } from '../lib/seed.js';
import { jobTimes, sampleQueue, type JobTimes, type QueueSamples } from '../lib/job-times.js';
import { dropPrefix, type Services } from '../lib/services.js';
import { log, SECONDS } from '../lib/settings.js';
import { bureauTarget } from '../lib/targets.js';

export interface FairnessRun {
  mode: string;
  /** Tenant B (globex), 4 lanes of create_customer, alone. */
  alone: ClosedResult;
  /** The same 4 lanes while tenant A (acme) floods with 60 (closed loop). */
  during: ClosedResult;
  flood: ClosedResult;
  /** Tenant A's 60 lanes alone (a lone tenant: never held, every worker slot). */
  floodAlone?: ClosedResult;
  /** B's p95 during the flood over B's p95 alone (issue 21: within 2x). */
  p95Ratio: number;
  /** Where each tenant's tasks spent their time on the admin queue (held, queue wait, run), alone and during the flood. */
  jobs?: { alone: Record<number, JobTimes>; during: Record<number, JobTimes>; tenants: { a: number; b: number }; queue?: QueueSamples; queueAlone?: QueueSamples };
  settings: Record<string, string>;
}

const A_LANES = 60;
const B_LANES = 4;

/**
 * Fairness between tenants on the shared queues: tenant B's POST -> result
 * latency with 4 closed-loop lanes alone, then again while tenant A runs 60
 * (10x B's rate when served alike), with A's 60 lanes alone in between (what a
 * lone tenant gets). With fairness on (the defaults: job priority from the
 * tenant's tasks in flight, A held to its share of the worker slots while B has
 * work; docs/scaling.md), B's p95 should stay within 2x of its p95 alone.
 * `--set TENANT_ACTIVE_SLOTS=0` turns holding off, `--set TENANT_PRIORITY=0`
 * measures first come, first served. Each tenant's time on the admin queue is
 * split into held, queue wait and run, and the queue is sampled (jobs running
 * per tenant, waiting, held) while A floods.
 */
export async function runFairness(svc: Services, users: BenchUsers, mode: BureauMode): Promise<FairnessRun> {
  await release(mode);
  const b = await startBureau(mode);
  try {
    const target = bureauTarget(b.url);
    const admins = await loginAll(b.url, users.admins);
    const conns = await connectUsers(target, admins);
    const tenantA = conns.filter((c) => c.user.name.endsWith('@acme.test'));
    const tenantB = conns.filter((c) => c.user.name.endsWith('@globex.test'));
    if (!tenantA.length || !tenantB.length) throw new Error('fairness: the bench users span only one tenant');
    const warmupSeconds = Math.min(5, Math.max(1, Math.round(SECONDS / 6)));
    log(`fairness: tenant B (globex) alone, ${B_LANES} lanes, ${SECONDS}s`);
    const aloneFrom = Date.now() + warmupSeconds * 1000;
    const alone = await closedLoop({ target, conns: tenantB, lanes: B_LANES, warmupSeconds, seconds: SECONDS, scenario: createScenario });
    const aloneTo = Date.now();
    log(`fairness: B alone ${alone.perSecond}/s p50 ${alone.latency.p50} p95 ${alone.latency.p95}`);
    const times = (from: number, to: number) => (mode.redisUrl ? jobTimes(mode.redisUrl, mode.databaseUrl, mode.queuePrefix, 'admin', from, to) : Promise.resolve<Record<number, JobTimes>>({}));
    const aloneJobs = await times(aloneFrom, aloneTo);
    const sample = (delayMs: number) => new Promise<void>((r) => setTimeout(r, delayMs)).then(() => (mode.redisUrl ? sampleQueue(mode.redisUrl, mode.databaseUrl, mode.queuePrefix, 'admin') : null));
    log(`fairness: tenant A (acme) alone, ${A_LANES} lanes, ${SECONDS}s`);
    const samplingAlone = sample(warmupSeconds * 1000);
    const floodAlone = await closedLoop({ target, conns: tenantA, lanes: A_LANES, warmupSeconds, seconds: SECONDS, scenario: createScenario });
    const queueAlone = await (await samplingAlone)?.stop();
    log(`fairness: A alone ${floodAlone.perSecond}/s p50 ${floodAlone.latency.p50} p95 ${floodAlone.latency.p95}; jobs running mean/max ${queueAlone ? Object.values(queueAlone.activeByTenant).map((a) => `${a.mean}/${a.max}`).join(' ') : '-'}`);
    log(`fairness: tenant A (acme) ${A_LANES} lanes and tenant B ${B_LANES} lanes together, ${SECONDS}s`);
    const duringFrom = Date.now() + 500 + warmupSeconds * 1000;
    const sampling = sample(duringFrom - Date.now());
    const [flood, during] = await Promise.all([
      closedLoop({ target, conns: tenantA, lanes: A_LANES, warmupSeconds, seconds: SECONDS + 1, scenario: createScenario }),
      // B starts once A's flood is under way.
      new Promise<void>((r) => setTimeout(r, 500)).then(() => closedLoop({ target, conns: tenantB, lanes: B_LANES, warmupSeconds, seconds: SECONDS, scenario: createScenario })),
    ]);
    const queue = await (await sampling)?.stop();
    const duringJobs = await times(duringFrom, Date.now());
    const tenants = { a: tenantA[0]!.user.auth.tenantId as number, b: tenantB[0]!.user.auth.tenantId as number };
    for (const [label, t] of [['alone', aloneJobs], ['during', duringJobs]] as const) {
      for (const [who, id] of [['B', tenants.b], ['A', tenants.a]] as const) {
        const j = t[id];
        if (j) log(`fairness: ${who} ${label}: ${j.jobs} jobs; held p50/p95 ${j.held.p50}/${j.held.p95}, queue wait ${j.wait.p50}/${j.wait.p95}, run ${j.run.p50}/${j.run.p95} ms`);
      }
    }
    if (queue) {
      const act = (id: number) => queue.activeByTenant[id] ?? { mean: 0, max: 0 };
      log(`fairness: during the flood (${queue.samples} samples) jobs running A mean/max ${act(tenants.a).mean}/${act(tenants.a).max}, B ${act(tenants.b).mean}/${act(tenants.b).max}; waiting ${queue.waiting.mean}/${queue.waiting.max}; held ${queue.held.mean}/${queue.held.max}`);
    }
    const p95Ratio = alone.latency.p95 ? Math.round((during.latency.p95 / alone.latency.p95) * 100) / 100 : 0;
    log(`fairness: during the flood B ${during.perSecond}/s p95 ${during.latency.p95} (${p95Ratio}x alone), A ${flood.perSecond}/s p95 ${flood.latency.p95}; lost ${alone.lost + during.lost + flood.lost}`);
    log(`fairness: B's door (POST -> 202) p50/p95 ${alone.reply.p50}/${alone.reply.p95} ms alone, ${during.reply.p50}/${during.reply.p95} ms during the flood`);
    for (const c of conns) c.feed.close();
    const settings = Object.fromEntries(Object.entries(mode.env).filter(([k]) => /^TENANT_|MAX_BACKLOG/.test(k)));
    return { mode: mode.label, alone, during, flood, floodAlone, p95Ratio, jobs: { alone: aloneJobs, during: duringJobs, tenants, ...(queue ? { queue } : {}), ...(queueAlone ? { queueAlone } : {}) }, settings };
  } finally {
    await b.stop();
    if (mode.redisUrl) await dropPrefix(mode.redisUrl, mode.queuePrefix);
  }
}

/** The phase's lines for the bench table. */
export function fairnessLines(f: FairnessRun, row: (cells: string[]) => string, closedRow: (label: string, r: ClosedResult | undefined) => string): string[] {
  return [
    '',
    `fairness (${f.mode}${Object.keys(f.settings).length ? `, ${Object.entries(f.settings).map(([k, v]) => `${k}=${v}`).join(' ')}` : ''}): tenant B's p95 during tenant A's flood is ${f.p95Ratio}x its p95 alone (target <= 2x: ${f.p95Ratio <= 2 ? 'ok' : 'MISSED'})`,
    row(['phase', 'actions', 'actions/s', 'p50 ms', 'p95 ms', 'p99 ms', 'errors', 'lost']),
    row(['---', '---:', '---:', '---:', '---:', '---:', '---', '---:']),
    closedRow(`tenant B alone, ${B_LANES} lanes`, f.alone),
    closedRow(`tenant B during A's flood, ${B_LANES} lanes`, f.during),
    closedRow(`tenant A alone, ${A_LANES} lanes`, f.floodAlone),
    closedRow(`tenant A flooding, ${A_LANES} lanes`, f.flood),
  ];
}
