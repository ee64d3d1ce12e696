/** Issue 19's sections of the report: the peers, one busy user, latency at fixed offered rates, CPU per action by tier. */
import type { BenchResult } from './report.js';
import { mark, num, row } from './report-parts.js';
import { cpuSummary, oneUserRatio, peerRatios, TARGETS } from './report-ratios.js';

export function peersLines(r: BenchResult): string[] {
  const p = r.peers;
  if (!p) return [];
  const out = [''];
  const q = peerRatios(r);
  const failed = Object.entries(p.failed);
  if (q) {
    out.push(`Same-promise peers, ${r.settings.lanes} lanes over ${r.settings.users} users, in turn with the baseline and bureau (merged rounds; the best peer is the one with the highest throughput):`);
    out.push('');
    out.push(row(['peer', 'actions/s', 'p95 ms', 'bureau/peer actions/s', 'bureau/peer p95', 'peer/baseline actions/s', 'peer/baseline p95', 'CPU ms per action', 'errors', 'lost']));
    out.push(row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']));
    for (const x of q.rows) {
      out.push(row([x.name === q.best ? `**${x.name}** (best)` : x.name, num(x.perSecond), num(x.p95), `${num(x.bureauOverPeer.throughput)}x`, `${num(x.bureauOverPeer.p95)}x`, `${num(x.peerOverBaseline.throughput)}x`, `${num(x.peerOverBaseline.p95)}x`, num(x.cpuMs), String(x.errors), String(x.lost)]));
    }
    const rounds = Object.entries(p.sides).map(([k, s]) => `${k} ${(s.lanes64.rounds ?? [{ perSecond: s.lanes64.perSecond, p95: s.lanes64.latency.p95 }]).map((x) => `${x.perSecond}/s p95 ${x.p95}`).join(', ')}`);
    out.push('');
    out.push(`Peer rounds, in the order they ran: ${rounds.join('; ')}`);
    out.push('');
    out.push(`- bureau/best peer (${q.best}), same run: throughput ${num(q.throughput.value)}x (target >= ${TARGETS.overBestPeer}x: ${mark(q.throughput.met)}), p95 ${num(q.p95.value)}x (target <= ${TARGETS.p95OverBestPeer}x: ${mark(q.p95.met)})`);
  }
  if (failed.length) out.push(`- not measured (did not start): ${failed.map(([k, v]) => `${k}: ${v}`).join('; ')}`);
  if (p.idle) out.push(`- idle cost of the sides not being measured (every side up, no load, ${p.idle.seconds}s): PostgreSQL ${p.idle.postgresMsPerSecond} ms/s, redis-server ${p.idle.redisMsPerSecond} ms/s of CPU, charged to whichever side runs`);
  return out;
}

export function oneUserLines(r: BenchResult): string[] {
  const q = oneUserRatio(r);
  const one = r.oneUser;
  if (!q || !one) return [];
  const stmt = (s: { query: string; msPerAction: number } | undefined) => (s ? `${s.msPerAction} ms` : 'n/a');
  const f = q.feedStatement;
  return [
    '',
    `One busy client: ${one.lanes} lanes from one user (${one.user}, ${one.websockets} websocket) against the same ${r.settings.lanes} lanes over ${r.settings.users} users, in turn in the same rotation:`,
    `- one user/${r.settings.users} users: ${num(q.perSecond)}/s against ${num(q.eightUsers)}/s = ${num(q.value)}x (target >= ${TARGETS.oneUser}x: ${mark(q.met)}); p95 ${q.p95.oneUser} ms against ${num(q.p95.eightUsers)} ms`,
    `- the finish statement's server time per action (result and feed entry; lock waits on the user's feed counter show here): one user ${stmt(f.oneUser)}, ${r.settings.users} users ${stmt(f.eightUsers)}${f.oneUser ? ` (\`${f.oneUser.query.replace(/\|/g, '\\|')}\`)` : ''}`,
  ];
}

export function latencyLines(r: BenchResult): string[] {
  const l = r.latency;
  if (!l) return [];
  const out = [
    '',
    `Latency at fixed offered rates (open loop, evenly spaced POSTs for ${l.seconds}s each, every accepted action waited for): ${l.rates.map((x) => `${x.fraction * 100}%`).join(', ')} of the baseline's ${l.capacity.perSecond}/s (${l.capacity.source}); best peer: ${l.bestPeer ? `${l.bestPeer.name} (${l.bestPeer.source}${l.bestPeer.perSecond !== undefined ? `, ${l.bestPeer.perSecond}/s` : ''})` : 'none running'}. POST -> result on the websocket:`,
    '',
    row(['offered', 'side', 'sent/s', 'accepted', '429', 'p50 ms', 'p95 ms', 'p99 ms', 'errors', 'lost']),
    row(['---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
  ];
  const order = ['bureau', 'baseline', ...(l.bestPeer ? [l.bestPeer.name] : [])];
  for (const x of l.rates) {
    for (const k of order) {
      const o = x.sides[k];
      if (!o) continue;
      const label = k === 'bureau' ? (r.bureau?.mode ?? 'bureau') : k;
      out.push(row([`${x.rate}/s (${x.fraction * 100}%)`, label, String(Math.round(o.sent / o.seconds)), String(o.accepted), String(o.throttled), num(o.resultLatency.p50), num(o.resultLatency.p95), num(o.resultLatency.p99), String(o.errors), String(o.lost)]));
    }
  }
  out.push('');
  for (const x of l.rates) {
    const b = x.sides.bureau?.resultLatency;
    const vs = (k: string | undefined) => {
      const o = k ? x.sides[k]?.resultLatency : undefined;
      return b && o && o.p95 ? `${Math.round((b.p95 / o.p95) * 100) / 100}x ${k}'s` : undefined;
    };
    const parts = [vs('baseline'), vs(l.bestPeer?.name)].filter(Boolean);
    if (b && parts.length) out.push(`- at ${x.fraction * 100}%: bureau's p95 is ${parts.join(', ')}`);
  }
  return out;
}

export function cpuLines(r: BenchResult): string[] {
  const c = cpuSummary(r);
  if (!c.rows.length) return [];
  const out = ['', `CPU ms per completed action at ${r.settings.lanes} lanes, by process (workers: every worker process of the side; PostgreSQL: the postmaster and every backend):`, ''];
  out.push(row(['side', 'web', 'workers', 'PostgreSQL', 'Redis', 'driver', 'total', 'without driver', 'statements', 'Redis commands']));
  out.push(row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']));
  for (const x of c.rows) out.push(row([x.label, String(x.web), String(x.workers), String(x.postgres), String(x.redis), String(x.driver), String(x.total), String(x.withoutDriver), num(x.statements ?? undefined), String(x.redisCommands)]));
  const b = c.bureau;
  if (b) {
    out.push('');
    out.push(
      `- bureau's CPU per create_customer, every process: ${b.total} ms (target <= ${b.target} ms: ${mark(b.met)}; moonshot <= ${b.moonshot} ms: ${mark(b.moonshotMet)}); without the load driver ${b.withoutDriver} ms${b.rounds && b.rounds.length > 1 ? `; per round ${b.rounds.join(', ')} ms` : ''}`,
    );
  }
  return out;
}
