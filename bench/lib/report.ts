import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Budget } from './counters.js';
import type { ClosedResult, OpenResult } from './load.js';
import { fairnessLines, type FairnessRun } from '../phases/fairness.js';
import { fairnessCyclesLines, type FairnessCyclesRun } from '../phases/fairness-cycles.js';

export interface BureauRun {
  mode: string;
  lanes64: ClosedResult;
  lanes64Budget: Budget;
  lane1: ClosedResult;
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
  settings: { lanes: number; users: number; seconds: number; oneLaneSeconds: number; maxBacklog: number; procfile: string[] };
  baseline?: { lanes64: ClosedResult; lanes64Budget?: Budget; lane1: ClosedResult };
  bureau?: BureauRun;
  bureauPg?: BureauRun;
  fairness?: FairnessRun;
  fairnessCycles?: FairnessCyclesRun;
  durationSeconds?: number;
  loadAtEnd?: number[];
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const num = (v: number | undefined) => (v === undefined ? '-' : String(v));

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function closedRow(label: string, r: ClosedResult | undefined): string {
  if (!r) return row([label, '-', '-', '-', '-', '-', '-', '-']);
  const errs = r.errors ? `${r.errors} (${Object.entries(r.errorCodes).map(([k, v]) => `${k}: ${v}`).join(', ')})` : '0';
  return row([label, num(r.completed), num(r.perSecond), num(r.latency.p50), num(r.latency.p95), num(r.latency.p99), errs, num(r.lost)]);
}

const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b ? Math.round((a / b) * 100) / 100 : undefined);

export function ratios(r: BenchResult) {
  const b = r.bureau;
  const base = r.baseline;
  if (!b || !base) return null;
  const throughput = ratio(b.lanes64.perSecond, base.lanes64.perSecond);
  const p95 = ratio(b.lanes64.latency.p95, base.lanes64.latency.p95);
  const p50one = ratio(b.lane1.latency.p50, base.lane1.latency.p50);
  const errors = b.lanes64.errors + b.lane1.errors;
  const lost = b.lanes64.lost + b.lane1.lost;
  // CPU per action over every process (the driver's included): steadier than throughput on a shared machine.
  const cpuTotal = (x: Budget | undefined) => (x ? Object.values(x.cpuMsPerAction).reduce((sum, v) => sum + v, 0) : undefined);
  const cpu = ratio(cpuTotal(b.lanes64Budget), cpuTotal(base.lanes64Budget));
  return {
    throughput,
    cpu,
    p95,
    p50one,
    errors,
    lost,
    pass: {
      throughput: (throughput ?? 0) >= 0.5,
      p95: (p95 ?? 99) <= 2,
      p50one: (p50one ?? 99) <= 2,
      errors: errors === 0,
      lost: lost === 0,
    },
    pg: r.bureauPg ? { throughput: ratio(r.bureauPg.lanes64.perSecond, base.lanes64.perSecond), p95: ratio(r.bureauPg.lanes64.latency.p95, base.lanes64.latency.p95), p50one: ratio(r.bureauPg.lane1.latency.p50, base.lane1.latency.p50) } : undefined,
  };
}

function budgetLines(label: string, b: Budget | undefined): string[] {
  if (!b) return [];
  const cpu = Object.entries(b.cpuMsPerAction).filter(([, v]) => v > 0.005).map(([k, v]) => `${k} ${v}`).join(', ');
  const redis = Object.entries(b.redisPerAction).filter(([, v]) => v >= 0.05).map(([k, v]) => `${k} ${v}`).join(', ');
  return [
    `- ${label}: per completed action (${b.actions} actions, machine ${b.machineBusyPercent}% busy)`,
    `  - PostgreSQL statements: ${b.pgTotalPerAction ?? 'n/a (pg_stat_statements not loaded)'}`,
    `  - Redis commands: ${b.redisTotalPerAction}${redis ? ` (${redis})` : ''}`,
    `  - CPU ms: ${cpu}`,
  ];
}

function statementTable(label: string, b: Budget | undefined): string[] {
  if (!b?.pgPerAction.length) return [];
  return [
    '',
    `${label}, statements per action (server time per action in ms includes lock waits):`,
    '',
    row(['statement', 'per action', 'ms per action']),
    row(['---', '---:', '---:']),
    ...b.pgPerAction.filter((q) => q.perAction >= 0.05).map((q) => row([`\`${q.query.slice(0, 90).replace(/\|/g, '\\|')}\``, String(q.perAction), String(q.execMsPerAction)])),
  ];
}

export function renderTable(r: BenchResult & { soak?: unknown }): string {
  const out: string[] = [];
  if ((r as { soak?: unknown }).soak) {
    const s = (r as unknown as { soak: { soak: SoakPart } }).soak.soak;
    return soakLines(s).join('\n');
  }
  out.push(row(['phase', 'actions', 'actions/s', 'p50 ms', 'p95 ms', 'p99 ms', 'errors', 'lost']));
  out.push(row(['---', '---:', '---:', '---:', '---:', '---:', '---', '---:']));
  out.push(closedRow(`baseline, ${r.settings.lanes} lanes`, r.baseline?.lanes64));
  out.push(closedRow(`${r.bureau?.mode ?? 'bureau'}, ${r.settings.lanes} lanes`, r.bureau?.lanes64));
  out.push(closedRow(`${r.bureauPg?.mode ?? 'bureau (PostgreSQL queues)'}, ${r.settings.lanes} lanes`, r.bureauPg?.lanes64));
  out.push(closedRow('baseline, 1 lane', r.baseline?.lane1));
  out.push(closedRow(`${r.bureau?.mode ?? 'bureau'}, 1 lane`, r.bureau?.lane1));
  out.push(closedRow(`${r.bureauPg?.mode ?? 'bureau (PostgreSQL queues)'}, 1 lane`, r.bureauPg?.lane1));
  if (r.bureau?.mixed) out.push(closedRow(`mixed workload (bureau, Redis), ${r.settings.lanes} lanes`, r.bureau.mixed.result));
  const perRound = (label: string, c: ClosedResult | undefined) => (c?.rounds ? `${label} ${c.rounds.map((x) => `${x.perSecond}/s p95 ${x.p95}`).join(', ')}` : null);
  const rounds = [perRound('baseline', r.baseline?.lanes64), perRound('bureau', r.bureau?.lanes64)].filter(Boolean);
  if (rounds.length) {
    out.push('');
    out.push(`64-lane rounds, in the order they ran (baseline and bureau alternate): ${rounds.join('; ')}`);
  }
  const q = ratios(r);
  if (q) {
    const mark = (ok: boolean) => (ok ? 'ok' : 'MISSED');
    out.push('');
    out.push(`- bureau/baseline (same run): completed/s ${q.throughput}x (target >= 0.5x, aim 0.7x: ${mark(q.pass.throughput)}), p95 ${q.p95}x (<= 2x: ${mark(q.pass.p95)}), 1-lane p50 ${q.p50one}x (<= 2x: ${mark(q.pass.p50one)}), errors ${q.errors} (${mark(q.pass.errors)}), lost ${q.lost} (${mark(q.pass.lost)})`);
    if (q.cpu) out.push(`- CPU per action at ${r.settings.lanes} lanes, every process: bureau/baseline ${q.cpu}x (throughput on two saturated cores follows its inverse, ${Math.round(100 / q.cpu) / 100}x)`);
    if (q.pg) out.push(`- bureau on PostgreSQL queues/baseline: completed/s ${q.pg.throughput}x, p95 ${q.pg.p95}x, 1-lane p50 ${q.pg.p50one}x`);
  }
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
  out.push(...budgetLines(`baseline, ${r.settings.lanes} lanes`, r.baseline?.lanes64Budget));
  out.push(...budgetLines(`${r.bureau?.mode ?? 'bureau'}, ${r.settings.lanes} lanes`, r.bureau?.lanes64Budget));
  out.push(...budgetLines(`${r.bureauPg?.mode ?? 'bureau pg'}, ${r.settings.lanes} lanes`, r.bureauPg?.lanes64Budget));
  out.push(...budgetLines('mixed workload', r.bureau?.mixed?.budget));
  out.push(...statementTable(`${r.bureau?.mode ?? 'bureau'}, ${r.settings.lanes} lanes`, r.bureau?.lanes64Budget));
  return out.join('\n');
}

interface SoakPart {
  actions: number;
  result: ClosedResult;
  samples: { t: number; completed: number; rss: Record<string, number>; redisKeys: number; redisMemoryMiB: number }[];
  tables: { t: number; sizes: Record<string, number> }[];
  rssGrowthPercent: Record<string, number>;
  redisKeys: { afterWarmup: number; end: number; max: number };
}

function soakLines(s: SoakPart): string[] {
  const first = s.samples[Math.floor(s.samples.length * 0.2)] ?? s.samples[0];
  const last = s.samples[s.samples.length - 1];
  const out = [
    `soak: ${s.result.completed} actions measured at ${s.result.lanes} lanes in ${s.result.seconds}s (${s.result.perSecond}/s), p50 ${s.result.latency.p50} ms, p95 ${s.result.latency.p95} ms, p99 ${s.result.latency.p99} ms, errors ${s.result.errors}, lost ${s.result.lost}`,
    '',
    row(['process', 'RSS after warm-up (MiB)', 'RSS at end (MiB)', 'growth']),
    row(['---', '---:', '---:', '---:']),
    ...Object.keys(s.rssGrowthPercent).map((k) => row([k, String(first?.rss[k] ?? '-'), String(last?.rss[k] ?? '-'), `${s.rssGrowthPercent[k]}%`])),
    '',
    `Redis keys: ${s.redisKeys.afterWarmup} after warm-up, ${s.redisKeys.end} at the end (max ${s.redisKeys.max}); Redis memory ${first?.redisMemoryMiB ?? '-'} -> ${last?.redisMemoryMiB ?? '-'} MiB`,
    '',
    row(['table', ...s.tables.map((t) => `MiB at ${t.t}s`)]),
    row(['---', ...s.tables.map(() => '---:')]),
    ...Object.keys(s.tables[s.tables.length - 1]?.sizes ?? {})
      .slice(0, 10)
      .map((name) => row([name, ...s.tables.map((t) => String(t.sizes[name] ?? '-'))])),
  ];
  return out;
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

export { pad };
