/**
 * The same-run ratios and targets the report prints and latest.json keeps
 * (issue 19's among them): bureau against the baseline, against the best peer,
 * one user against eight, and CPU per action per process.
 */
import type { Budget } from './counters.js';
import type { BenchResult } from './report.js';
import { r2, ratio } from './report-parts.js';

/** Issue 19's targets. */
export const TARGETS = { overBestPeer: 2.5, p95OverBestPeer: 0.5, oneUser: 0.9, cpuMs: 2, cpuMoonshotMs: 1.3 } as const;

export type Tier = 'web' | 'workers' | 'postgres' | 'redis' | 'driver';
export const TIERS: readonly Tier[] = ['web', 'workers', 'postgres', 'redis', 'driver'];

/** CPU ms per action by tier: every process that is not the web, PostgreSQL, redis-server or the driver is a worker. */
export function tiers(b: Budget): Record<Tier, number> & { total: number; withoutDriver: number } {
  const t: Record<Tier, number> = { web: 0, workers: 0, postgres: 0, redis: 0, driver: 0 };
  for (const [name, ms] of Object.entries(b.cpuMsPerAction)) {
    const tier: Tier = name === 'web' ? 'web' : name === 'postgres' || name === 'redis' || name === 'driver' ? name : 'workers';
    t[tier] += ms;
  }
  const total = TIERS.reduce((a, k) => a + t[k], 0);
  return { web: r2(t.web), workers: r2(t.workers), postgres: r2(t.postgres), redis: r2(t.redis), driver: r2(t.driver), total: r2(total), withoutDriver: r2(total - t.driver) };
}

const cpuTotal = (b: Budget | undefined) => (b ? tiers(b).total : undefined);

/** bureau (Redis) against the baseline: the original targets. */
export function bureauVsBaseline(r: BenchResult) {
  const b = r.bureau;
  const base = r.baseline;
  if (!b?.lanes64 || !base?.lanes64) return null;
  const throughput = ratio(b.lanes64.perSecond, base.lanes64.perSecond);
  const p95 = ratio(b.lanes64.latency.p95, base.lanes64.latency.p95);
  const p50one = b.lane1 && base.lane1 ? ratio(b.lane1.latency.p50, base.lane1.latency.p50) : undefined;
  const errors = b.lanes64.errors + (b.lane1?.errors ?? 0);
  const lost = b.lanes64.lost + (b.lane1?.lost ?? 0);
  // CPU per action over every process (the driver's included): steadier than throughput on a shared machine.
  const cpu = ratio(cpuTotal(b.lanes64Budget), cpuTotal(base.lanes64Budget));
  return {
    throughput,
    cpu,
    p95,
    p50one,
    errors,
    lost,
    pass: { throughput: (throughput ?? 0) >= 0.5, p95: (p95 ?? 99) <= 2, p50one: p50one === undefined ? undefined : p50one <= 2, errors: errors === 0, lost: lost === 0 },
  };
}

/** bureau on PostgreSQL queues against the baseline (no target: the Redis-less mode). */
export function pgVsBaseline(r: BenchResult) {
  const pg = r.bureauPg;
  const base = r.baseline;
  if (!pg?.lanes64 || !base?.lanes64) return null;
  return { throughput: ratio(pg.lanes64.perSecond, base.lanes64.perSecond), p95: ratio(pg.lanes64.latency.p95, base.lanes64.latency.p95), p50one: ratio(pg.lane1?.latency.p50, base.lane1?.latency.p50) };
}

/** Every peer against bureau and the baseline, the best peer (highest 64-lane throughput) and the two targets against it. */
export function peerRatios(r: BenchResult) {
  const p = r.peers;
  if (!p || !Object.keys(p.sides).length) return null;
  const bureau = r.bureau?.lanes64;
  const base = r.baseline?.lanes64;
  const rows = Object.entries(p.sides).map(([name, s]) => ({
    name,
    perSecond: s.lanes64.perSecond,
    p95: s.lanes64.latency.p95,
    bureauOverPeer: { throughput: ratio(bureau?.perSecond, s.lanes64.perSecond), p95: ratio(bureau?.latency.p95, s.lanes64.latency.p95) },
    peerOverBaseline: { throughput: ratio(s.lanes64.perSecond, base?.perSecond), p95: ratio(s.lanes64.latency.p95, base?.latency.p95) },
    cpuMs: cpuTotal(s.lanes64Budget),
    errors: s.lanes64.errors,
    lost: s.lanes64.lost,
  }));
  const best = [...rows].sort((a, b) => b.perSecond - a.perSecond)[0]!;
  const throughput = best.bureauOverPeer.throughput;
  const p95 = best.bureauOverPeer.p95;
  return {
    best: best.name,
    rows,
    throughput: { value: throughput, target: TARGETS.overBestPeer, met: throughput !== undefined && throughput >= TARGETS.overBestPeer },
    p95: { value: p95, target: TARGETS.p95OverBestPeer, met: p95 !== undefined && p95 <= TARGETS.p95OverBestPeer },
  };
}

/**
 * The statement that stores the result and appends the user's feed entry (the
 * per-user feed counter's lock is held from it to COMMIT): of the statements
 * whose text names the finish or the feed, the one with the most server time;
 * a prepared statement's entries (pg_stat_statements may keep one per text
 * variant) summed under its name.
 */
export function feedStatement(b: Budget | undefined): { query: string; perAction: number; msPerAction: number } | undefined {
  const groups = new Map<string, { query: string; perAction: number; msPerAction: number }>();
  for (const s of b?.pgPerAction.filter((x) => /finish|feed/i.test(x.query)) ?? []) {
    const key = /PREPARE\s+(\w+)/i.exec(s.query)?.[1] ?? s.query;
    const g = groups.get(key) ?? { query: s.query.slice(0, 90), perAction: 0, msPerAction: 0 };
    g.perAction = r2(g.perAction + s.perAction);
    g.msPerAction = Math.round((g.msPerAction + s.execMsPerAction) * 1000) / 1000;
    groups.set(key, g);
  }
  return [...groups.values()].sort((x, y) => y.msPerAction - x.msPerAction)[0];
}

/** 64 lanes from one user against bureau's 8 users in the same run. */
export function oneUserRatio(r: BenchResult) {
  const one = r.oneUser;
  const eight = r.bureau?.lanes64;
  if (!one) return null;
  const value = ratio(one.lanes64.perSecond, eight?.perSecond);
  return {
    perSecond: one.lanes64.perSecond,
    eightUsers: eight?.perSecond,
    value,
    target: TARGETS.oneUser,
    met: value !== undefined && value >= TARGETS.oneUser,
    p95: { oneUser: one.lanes64.latency.p95, eightUsers: eight?.latency.p95 },
    feedStatement: { oneUser: feedStatement(one.lanes64Budget), eightUsers: feedStatement(r.bureau?.lanes64Budget) },
  };
}

/** CPU ms per action by tier for every side of the 64-lane rotation, and bureau's total against issue 19's target. */
export function cpuSummary(r: BenchResult) {
  const sides: { key: string; label: string; budget: Budget | undefined }[] = [
    { key: 'baseline', label: 'baseline', budget: r.baseline?.lanes64Budget },
    { key: 'bureau', label: r.bureau?.mode ?? 'bureau', budget: r.bureau?.lanes64Budget },
    { key: 'bureau-one-user', label: r.oneUser?.label ?? 'bureau, one user', budget: r.oneUser?.lanes64Budget },
    ...Object.entries(r.peers?.sides ?? {}).map(([k, s]) => ({ key: k, label: s.label, budget: s.lanes64Budget as Budget | undefined })),
    { key: 'bureau-pg', label: r.bureauPg?.mode ?? 'bureau (PostgreSQL queues)', budget: r.bureauPg?.lanes64Budget },
  ];
  const rows = sides.filter((s) => s.budget).map((s) => ({ key: s.key, label: s.label, ...tiers(s.budget!), statements: s.budget!.pgTotalPerAction, redisCommands: s.budget!.redisTotalPerAction }));
  const b = rows.find((x) => x.key === 'bureau');
  const rounds = r.bureau?.cpuRounds?.map((c) => r2(Object.values(c).reduce((a, v) => a + v, 0)));
  const bureau = b ? { total: b.total, withoutDriver: b.withoutDriver, rounds, target: TARGETS.cpuMs, met: b.total <= TARGETS.cpuMs, moonshot: TARGETS.cpuMoonshotMs, moonshotMet: b.total <= TARGETS.cpuMoonshotMs } : null;
  return { rows, bureau };
}

/** Everything above, as latest.json keeps it. */
export function summary(r: BenchResult) {
  return { bureauVsBaseline: bureauVsBaseline(r), pgVsBaseline: pgVsBaseline(r), peers: peerRatios(r), oneUser: oneUserRatio(r), cpu: cpuSummary(r) };
}
