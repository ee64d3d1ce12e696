/**
 * "On paper, past two cores": what the measured CPU per action per process
 * says about more cores. Each tier's actions/s per core is 1000 / its CPU ms
 * per action; a single-threaded process (Node's main thread, redis-server)
 * cannot use more than about one core, PostgreSQL spreads its backends over
 * all of them. The method is explained in docs/benchmarks.md.
 */
import type { BenchResult } from './report.js';
import { num, row } from './report-parts.js';
import { oneUserRatio, tiers } from './report-ratios.js';

const perCore = (ms: number) => (ms > 0 ? Math.round(1000 / ms) : undefined);

export function paper(r: BenchResult) {
  const b = r.bureau?.lanes64Budget;
  if (!b) return null;
  const t = tiers(b);
  const tierRows = (['web', 'workers', 'postgres', 'redis'] as const).map((k) => ({ tier: k, msPerAction: t[k], perCore: perCore(t[k]) }));
  // As deployed (one process per Procfile line, one redis-server), each of these caps at about one core.
  const singles = Object.entries(b.cpuMsPerAction)
    .filter(([name, ms]) => name !== 'postgres' && name !== 'driver' && ms >= 0.05)
    .map(([name, ms]) => ({ name: name === 'redis' ? 'redis-server' : name, msPerAction: ms, ceiling: perCore(ms)! }))
    .sort((x, y) => x.ceiling - y.ceiling);
  const scaledTiers = tierRows.filter((x) => x.tier !== 'redis' && x.perCore !== undefined).sort((x, y) => x.perCore! - y.perCore!);
  const one = oneUserRatio(r);
  const f = one?.feedStatement;
  let boundBy = 'not measured (run the one-user phase)';
  if (one?.value !== undefined) {
    const waits = f?.oneUser && f.eightUsers && f.oneUser.msPerAction > 2 * f.eightUsers.msPerAction ? `finish statement's server time ${f.oneUser.msPerAction} ms per action against ${f.eightUsers.msPerAction} with eight users` : null;
    if (one.met) boundBy = waits ? `the machine in this run, but one user's finishes already wait on one another until COMMIT (${waits}): on a faster machine the user's feed counter may bind first` : 'the machine, as with eight users: one busy user costs no more than eight';
    else boundBy = waits ? `the user's feed counter: one user's finishes wait on one another until COMMIT (${waits})` : 'not the finish statement (its server time did not grow with one user): see the one-user budget';
  }
  return {
    source: `${r.bureau?.mode ?? 'bureau'}, ${r.settings.lanes} lanes over ${r.settings.users} users`,
    tiers: tierRows,
    /** Every tier scaled out together: cores needed per 1000 actions/s is the sum of the tiers' ms (the driver left out). */
    allTiers: { msPerAction: t.withoutDriver, perCore: perCore(t.withoutDriver) },
    asDeployed: { processes: singles, first: singles[0] ?? null },
    /** With web and worker processes added as cores are: the tier that needs the most cores per action, and Redis's one thread as a hard ceiling. */
    scaledOut: { mostCoresPerAction: scaledTiers[0] ?? null, redisCeiling: perCore(t.redis) },
    twoCores: { predicted: perCore(t.total / 2), measured: r.bureau?.lanes64?.perSecond, machineBusyPercent: b.machineBusyPercent },
    perUser: one ? { perSecond: one.perSecond, eightUsers: one.eightUsers, ratio: one.value, boundBy } : null,
  };
}

export type Paper = NonNullable<ReturnType<typeof paper>>;

export function paperLines(p: Paper | null | undefined): string[] {
  if (!p) return [];
  const out = ['', `On paper, past two cores (from ${p.source}: CPU ms per action per process; actions/s per core = 1000 / ms):`, ''];
  out.push(row(['tier', 'CPU ms per action', 'actions/s per added core']));
  out.push(row(['---', '---:', '---:']));
  for (const x of p.tiers) out.push(row([x.tier === 'postgres' ? 'PostgreSQL' : x.tier === 'redis' ? 'Redis (one thread: a ceiling, not per core)' : x.tier, String(x.msPerAction), num(x.perCore)]));
  out.push(row(['all four, scaled together', String(p.allTiers.msPerAction), num(p.allTiers.perCore)]));
  out.push('');
  const first = p.asDeployed.first;
  if (first) {
    out.push(
      `- as deployed (one process per Procfile line, one redis-server; each uses about one core): ${first.name} saturates first, at about ${first.ceiling}/s` +
        `${p.asDeployed.processes.length > 1 ? ` (then ${p.asDeployed.processes.slice(1, 4).map((x) => `${x.name} ${x.ceiling}/s`).join(', ')})` : ''}; PostgreSQL spreads over the cores`,
    );
  }
  const most = p.scaledOut.mostCoresPerAction;
  if (most) out.push(`- with web and worker processes added as cores are: ${most.tier === 'postgres' ? 'PostgreSQL' : most.tier} needs the most cores per action (${most.perCore}/s per core); one redis-server stops at about ${num(p.scaledOut.redisCeiling)}/s whatever the cores`);
  out.push(`- on these two cores: 2000 / ${p.allTiers.msPerAction} ms (driver left out) would be ${num(perCore(p.allTiers.msPerAction / 2))}/s; counting the driver ${num(p.twoCores.predicted)}/s; measured ${num(p.twoCores.measured)}/s (machine ${p.twoCores.machineBusyPercent}% busy)`);
  if (p.perUser) out.push(`- per-user ceiling: ${num(p.perUser.perSecond)}/s for one user with every lane (${num(p.perUser.ratio)}x eight users' ${num(p.perUser.eightUsers)}/s); bound by ${p.perUser.boundBy}`);
  else out.push('- per-user ceiling: not measured (run the one-user phase)');
  return out;
}
