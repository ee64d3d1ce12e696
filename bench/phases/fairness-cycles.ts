import { loginAll, release, startBureau, type BureauMode } from '../lib/bureau.js';
import { ActionFailed, connectUsers, latencyStats, makeAct, Recorder, type Act, type Connected, type LatencyStats } from '../lib/load.js';
import { createScenario } from '../lib/scenarios.js';
import type { BenchUsers } from '../lib/seed.js';
import { dropPrefix, type Services } from '../lib/services.js';
import { log, SECONDS } from '../lib/settings.js';
import { bureauTarget } from '../lib/targets.js';

export interface FairnessCyclesRun {
  mode: string;
  cycles: number;
  windowSeconds: number;
  /** Tenant B's actions started while A was off, and while A flooded (actions started around a switch are left out). */
  alone: { completed: number; perSecond: number; latency: LatencyStats };
  during: { completed: number; perSecond: number; latency: LatencyStats };
  /** Tenant A's actions while it flooded. */
  flood: { completed: number; perSecond: number; latency: LatencyStats };
  p95Ratio: number;
  lost: number;
  settings: Record<string, string>;
}

const A_LANES = 60;
const B_LANES = 4;
/** Left out after each switch: A's last tasks finishing (and held ones draining), or its flood ramping up. */
const SETTLE_MS = 2500;

/**
 * The fairness measure for a busy machine: tenant B's 4 lanes run throughout
 * while tenant A's 60 lanes flood in every other window, so B's "alone" and
 * "during" samples come from the same minutes and a change in the machine's
 * load moves both. Same target as the `fairness` phase (B's p95 during A's
 * flood within 2x of alone); the windows are SECONDS / 2 long, 4 of each.
 */
export async function runFairnessCycles(svc: Services, users: BenchUsers, mode: BureauMode): Promise<FairnessCyclesRun> {
  await release(mode);
  const b = await startBureau(mode);
  try {
    const target = bureauTarget(b.url);
    const conns = await connectUsers(target, await loginAll(b.url, users.admins));
    const tenantA = conns.filter((c) => c.user.name.endsWith('@acme.test'));
    const tenantB = conns.filter((c) => c.user.name.endsWith('@globex.test'));
    const rec = { alone: new Recorder(), during: new Recorder(), flood: new Recorder(), skip: new Recorder() };
    for (const r of Object.values(rec)) r.measuring = true;
    const act = Object.fromEntries(Object.entries(rec).map(([k, r]) => [k, makeAct(target, r, 30_000)])) as Record<keyof typeof rec, Act>;
    let phase: 'alone' | 'during' | 'skip' = 'skip';
    let flooding = false;
    let stop = false;
    const run = async (conn: Connected, lane: number, pick: () => Act | null) => {
      while (!stop) {
        const a = pick();
        if (!a) {
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        await createScenario(a, conn).catch(async (err: unknown) => {
          if (err instanceof ActionFailed && err.code === 'RATE_LIMITED') await new Promise((r) => setTimeout(r, 200));
        });
      }
    };
    const lanes = [
      ...Array.from({ length: B_LANES }, (_, i) => run(tenantB[i % tenantB.length]!, i, () => act[phase])),
      ...Array.from({ length: A_LANES }, (_, i) => run(tenantA[i % tenantA.length]!, i, () => (flooding ? act.flood : null))),
    ];
    const cycles = 4;
    const windowMs = Math.max(3, SECONDS / 2) * 1000;
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    log(`fairness-cycles: B ${B_LANES} lanes throughout, A ${A_LANES} lanes in every other ${windowMs / 1000}s window, ${cycles} cycles`);
    let floodMs = 0;
    for (let c = 0; c < cycles; c++) {
      phase = 'skip';
      flooding = false;
      await sleep(SETTLE_MS);
      phase = 'alone';
      await sleep(windowMs);
      phase = 'skip';
      // B's actions started alone finish before A starts.
      await sleep(300);
      flooding = true;
      const floodFrom = Date.now();
      await sleep(SETTLE_MS);
      phase = 'during';
      await sleep(windowMs);
      floodMs += Date.now() - floodFrom;
    }
    stop = true;
    flooding = false;
    await Promise.all(lanes);
    const sum = (r: Recorder, ms: number) => ({ completed: r.completed, perSecond: Math.round((r.completed / (ms / 1000)) * 10) / 10, latency: latencyStats(r.latencies) });
    const alone = sum(rec.alone, cycles * windowMs);
    const during = sum(rec.during, cycles * windowMs);
    const flood = sum(rec.flood, floodMs);
    const p95Ratio = alone.latency.p95 ? Math.round((during.latency.p95 / alone.latency.p95) * 100) / 100 : 0;
    const lost = Object.values(rec).reduce((n, r) => n + r.lost, 0);
    log(`fairness-cycles: B alone ${alone.perSecond}/s p95 ${alone.latency.p95}, during A's flood ${during.perSecond}/s p95 ${during.latency.p95} (${p95Ratio}x); A ${flood.perSecond}/s p95 ${flood.latency.p95}; lost ${lost}`);
    for (const c of conns) c.feed.close();
    const settings = Object.fromEntries(Object.entries(mode.env).filter(([k]) => /^TENANT_|MAX_BACKLOG|WORKER_CONCURRENCY/.test(k)));
    return { mode: mode.label, cycles, windowSeconds: windowMs / 1000, alone, during, flood, p95Ratio, lost, settings };
  } finally {
    await b.stop();
    if (mode.redisUrl) await dropPrefix(mode.redisUrl, mode.queuePrefix);
  }
}

/** The phase's lines for the bench table. */
export function fairnessCyclesLines(f: FairnessCyclesRun, row: (cells: string[]) => string): string[] {
  const line = (label: string, r: FairnessCyclesRun['alone']) => row([label, String(r.completed), String(r.perSecond), String(r.latency.p50), String(r.latency.p95), String(r.latency.p99)]);
  return [
    '',
    `fairness, interleaved (${f.mode}${Object.keys(f.settings).length ? `, ${Object.entries(f.settings).map(([k, v]) => `${k}=${v}`).join(' ')}` : ''}; ${f.cycles} cycles of ${f.windowSeconds}s): tenant B's p95 during A's flood is ${f.p95Ratio}x its p95 alone (target <= 2x: ${f.p95Ratio <= 2 ? 'ok' : 'MISSED'}), lost ${f.lost}`,
    row(['phase', 'actions', 'actions/s', 'p50 ms', 'p95 ms', 'p99 ms']),
    row(['---', '---:', '---:', '---:', '---:', '---:']),
    line(`tenant B, A off, ${B_LANES} lanes`, f.alone),
    line(`tenant B, A flooding, ${B_LANES} lanes`, f.during),
    line(`tenant A flooding, ${A_LANES} lanes`, f.flood),
  ];
}
