import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Budget } from './counters.js';
import type { ClosedResult, OpenResult } from './load.js';
import { fairnessLines, type FairnessRun } from '../phases/fairness.js';
import type { LatencyRun } from '../phases/latency.js';
import type { IdleCost } from '../phases/rotation.js';
import { budgetLines, closedHeader, closedRow, mark, row, statementTable } from './report-parts.js';
import { paperLines, type Paper } from './report-paper.js';
import { cpuLines, latencyLines, oneUserLines, peersLines } from './report-peers.js';
import { bureauVsBaseline, pgVsBaseline, type summary } from './report-ratios.js';
import { soakLines, type SoakPart } from './report-soak.js';

/** One side's merged 64-lane rounds: its result, its budget per action (rounds weighted by their actions) and each round's CPU per process. */
export interface SideFigures {
  label: string;
  lanes64: ClosedResult;
  lanes64Budget: Budget;
  cpuRounds: Record<string, number>[];
}
import { fairnessCyclesLines, type FairnessCyclesRun } from '../phases/fairness-cycles.js';

export interface BureauRun {
  mode: string;
  lanes64?: ClosedResult;
  lanes64Budget?: Budget;
  cpuRounds?: Record<string, number>[];
  lane1?: ClosedResult;
  mixed?: { result: ClosedResult; budget: Budget; notes: string[] };
  overload?: OpenResult & { maxBacklog: number };
  rss: Record<string, number>;
}

export interface BenchResult {
  kind: 'bench';
  date: string;
  machine: { cpus: number; cpuModel: string; memGiB: number; loadAtStart: number[]; kernel: string; host: string };
  versions: Record<string, string>;
  services: { postgres: string; redis: string; postgresVersion?: string; redisVersion?: string };
  settings: { lanes: number; users: number; seconds: number; oneLaneSeconds: number; maxBacklog: number; rounds: number; phases: string[]; procfile: string[] };
  baseline?: { lanes64?: ClosedResult; lanes64Budget?: Budget; cpuRounds?: Record<string, number>[]; lane1?: ClosedResult };
  bureau?: BureauRun;
  bureauPg?: BureauRun;
  /** Issue 19: the same-promise peers in the same rotation. */
  peers?: { sides: Record<string, SideFigures>; failed: Record<string, string>; idle?: IdleCost };
  /** Issue 19: 64 lanes from one user, in the same rotation. */
  oneUser?: SideFigures & { user: string; websockets: number; lanes: number };
  latency?: LatencyRun;
  fairness?: FairnessRun;
  /** Every ratio and target line of the report, computed once for latest.json. */
  summary?: ReturnType<typeof summary>;
  paper?: Paper | null;
  fairnessCycles?: FairnessCyclesRun;
  durationSeconds?: number;
  loadAtEnd?: number[];
}

export function renderTable(r: BenchResult & { soak?: unknown }): string {
  if ((r as { soak?: unknown }).soak) {
    const s = (r as unknown as { soak: { soak: SoakPart } }).soak.soak;
    return soakLines(s).join('\n');
  }
  const L = r.settings.lanes;
  const bureau = r.bureau?.mode ?? 'bureau';
  const pg = r.bureauPg?.mode ?? 'bureau (PostgreSQL queues)';
  const peers = Object.entries(r.peers?.sides ?? {});
  const out: string[] = [...closedHeader()];
  if (r.baseline?.lanes64) out.push(closedRow(`baseline, ${L} lanes`, r.baseline.lanes64));
  if (r.bureau?.lanes64) out.push(closedRow(`${bureau}, ${L} lanes`, r.bureau.lanes64));
  if (r.oneUser) out.push(closedRow(`${r.oneUser.label}, ${r.oneUser.lanes} lanes`, r.oneUser.lanes64));
  for (const [k, s] of peers) out.push(closedRow(`peer ${k}, ${L} lanes`, s.lanes64));
  if (r.bureauPg) out.push(closedRow(`${pg}, ${L} lanes`, r.bureauPg.lanes64));
  if (r.baseline?.lane1) out.push(closedRow('baseline, 1 lane', r.baseline.lane1));
  if (r.bureau?.lane1) out.push(closedRow(`${bureau}, 1 lane`, r.bureau.lane1));
  if (r.bureauPg?.lane1) out.push(closedRow(`${pg}, 1 lane`, r.bureauPg.lane1));
  if (r.bureau?.mixed) out.push(closedRow(`mixed workload (bureau, Redis), ${L} lanes`, r.bureau.mixed.result));
  const perRound = (label: string, c: ClosedResult | undefined) => (c?.rounds ? `${label} ${c.rounds.map((x) => `${x.perSecond}/s p95 ${x.p95}`).join(', ')}` : null);
  const rounds = [perRound('baseline', r.baseline?.lanes64), perRound('bureau', r.bureau?.lanes64), perRound('one user', r.oneUser?.lanes64)].filter(Boolean);
  if (rounds.length) {
    out.push('');
    out.push(`${L}-lane rounds, in the order they ran (the sides take turns): ${rounds.join('; ')}`);
  }
  const q = bureauVsBaseline(r);
  if (q) {
    out.push('');
    const p50one = q.p50one === undefined ? '' : `, 1-lane p50 ${q.p50one}x (<= 2x: ${mark(q.pass.p50one ?? false)})`;
    out.push(`- bureau/baseline (same run): completed/s ${q.throughput}x (target >= 0.5x, aim 0.7x: ${mark(q.pass.throughput)}), p95 ${q.p95}x (<= 2x: ${mark(q.pass.p95)})${p50one}, errors ${q.errors} (${mark(q.pass.errors)}), lost ${q.lost} (${mark(q.pass.lost)})`);
    if (q.cpu) out.push(`- CPU per action at ${L} lanes, every process: bureau/baseline ${q.cpu}x (throughput on two saturated cores follows its inverse, ${Math.round(100 / q.cpu) / 100}x)`);
  }
  const qp = pgVsBaseline(r);
  if (qp) out.push(`- bureau on PostgreSQL queues/baseline: completed/s ${qp.throughput}x, p95 ${qp.p95}x, 1-lane p50 ${qp.p50one ?? '-'}x`);
  out.push(...peersLines(r), ...oneUserLines(r), ...latencyLines(r), ...cpuLines(r), ...paperLines(r.paper));
  if (r.bureau?.mixed) {
    out.push('');
    out.push('mixed workload, per action:');
    out.push(row(['action', 'count', 'p50 ms', 'p95 ms', 'p99 ms']));
    out.push(row(['---', '---:', '---:', '---:', '---:']));
    for (const [k, v] of Object.entries(r.bureau.mixed.result.byAction).sort((a, b) => b[1].count - a[1].count)) out.push(row([k, String(v.count), String(v.p50), String(v.p95), String(v.p99)]));
    for (const n of r.bureau.mixed.notes) out.push(row([n, 'n/a', '', '', '']));
  }
  if (r.fairness) out.push(...fairnessLines(r.fairness, row, closedRow));
  if (r.fairnessCycles) out.push(...fairnessCyclesLines(r.fairnessCycles, row));
  const o = r.bureau?.overload;
  if (o) {
    out.push('');
    out.push(
      `open-loop overload (create_customer at ${o.ratePerSecond}/s for ${o.seconds}s, MAX_BACKLOG ${o.maxBacklog}): sent ${o.sent}, accepted ${o.accepted}, 429 ${o.throttled} (Retry-After ${o.retryAfter.join('/') || '-'}), errors ${o.errors}, ` +
        `queue depth max ${o.maxDepth}, POST p95 ${o.postLatency.p95} ms, result p50/p95 ${o.resultLatency.p50}/${o.resultLatency.p95} ms, answered ${o.answered}, lost ${o.lost}, drained in ${o.drainSeconds}s`,
    );
  }
  out.push('');
  out.push(...budgetLines(`baseline, ${L} lanes`, r.baseline?.lanes64Budget));
  out.push(...budgetLines(`${bureau}, ${L} lanes`, r.bureau?.lanes64Budget));
  if (r.oneUser) out.push(...budgetLines(`${r.oneUser.label}, ${r.oneUser.lanes} lanes`, r.oneUser.lanes64Budget));
  for (const [k, s] of peers) out.push(...budgetLines(`peer ${k}, ${L} lanes`, s.lanes64Budget));
  out.push(...budgetLines(`${pg}, ${L} lanes`, r.bureauPg?.lanes64Budget));
  out.push(...budgetLines('mixed workload', r.bureau?.mixed?.budget));
  out.push(...statementTable(`${bureau}, ${L} lanes`, r.bureau?.lanes64Budget));
  return out.join('\n');
}

const BENCH_START = '<!-- bench:results:start -->';
const BENCH_END = '<!-- bench:results:end -->';
const SOAK_START = '<!-- bench:soak:start -->';
const SOAK_END = '<!-- bench:soak:end -->';

function replaceBetween(text: string, start: string, end: string, body: string): string {
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) return `${text.trimEnd()}\n\n${start}\n${body}\n${end}\n`;
  return `${text.slice(0, a + start.length)}\n${body}\n${text.slice(b)}`;
}

function header(r: { date: string; machine: BenchResult['machine']; versions: Record<string, string>; services: BenchResult['services'] }, extra: string[]): string[] {
  return [
    `Run ${r.date.slice(0, 16).replace('T', ' ')} UTC on ${r.machine.host}: ${r.machine.cpus} x ${r.machine.cpuModel}, ${r.machine.memGiB} GiB, Linux ${r.machine.kernel}, load average at start ${r.machine.loadAtStart.join(' ')}.`,
    `Versions: Node ${r.versions.node}, BullMQ ${r.versions.bullmq}, Koa ${r.versions.koa}, ws ${r.versions.ws}, ioredis ${r.versions.ioredis}, pg ${r.versions.pg}, MikroORM ${r.versions.mikroOrm}, PostgreSQL ${r.services.postgresVersion}, Redis ${r.services.redisVersion}; bureau at ${r.versions.bureauCommit}.`,
    `Services: ${r.services.postgres}; ${r.services.redis}.`,
    ...extra,
  ];
}

/** Rewrites the generated sections of docs/benchmarks.md; the hand-written parts around them stay. */
export function renderDocs(file: string, what: { bench?: BenchResult; table?: string; soak?: { date: string; machine: BenchResult['machine']; versions: Record<string, string>; services: BenchResult['services']; soak: SoakPart } }): void {
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  if (what.bench && what.table) {
    const r = what.bench;
    const body = [
      ...header(r, [`Whole run ${r.durationSeconds}s; load average at the end ${r.loadAtEnd?.join(' ')}. Raw figures: \`bench/results/latest.json\`.`]),
      '',
      what.table,
    ].join('\n');
    text = replaceBetween(text, BENCH_START, BENCH_END, body);
  }
  if (what.soak) {
    const s = what.soak;
    text = replaceBetween(text, SOAK_START, SOAK_END, [...header(s, ['Raw figures: `bench/results/soak.json`.']), '', ...soakLines(s.soak)].join('\n'));
  }
  writeFileSync(file, text);
}

