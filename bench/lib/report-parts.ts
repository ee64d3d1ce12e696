/** Markdown pieces every section of the bench's report uses. */
import type { Budget } from './counters.js';
import type { ClosedResult } from './load.js';

export const num = (v: number | undefined) => (v === undefined ? '-' : String(v));

export function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

export const mark = (ok: boolean) => (ok ? 'met' : 'MISSED');

/** a / b to two decimals; undefined when either is missing or b is 0. */
export const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b ? Math.round((a / b) * 100) / 100 : undefined);

export const r2 = (v: number) => Math.round(v * 100) / 100;

export function closedRow(label: string, r: ClosedResult | undefined): string {
  if (!r) return row([label, '-', '-', '-', '-', '-', '-', '-']);
  const errs = r.errors ? `${r.errors} (${Object.entries(r.errorCodes).map(([k, v]) => `${k}: ${v}`).join(', ')})` : '0';
  return row([label, num(r.completed), num(r.perSecond), num(r.latency.p50), num(r.latency.p95), num(r.latency.p99), errs, num(r.lost)]);
}

export const closedHeader = () => [row(['phase', 'actions', 'actions/s', 'p50 ms', 'p95 ms', 'p99 ms', 'errors', 'lost']), row(['---', '---:', '---:', '---:', '---:', '---:', '---', '---:'])];

export function budgetLines(label: string, b: Budget | undefined): string[] {
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

export function statementTable(label: string, b: Budget | undefined): string[] {
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
