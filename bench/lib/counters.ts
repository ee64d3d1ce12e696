import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import pg from 'pg';
import { cpuMs, treeCpuMs } from './procs.js';

/**
 * What one action costs in round trips and CPU: Redis commands (INFO
 * commandstats), PostgreSQL statements (pg_stat_statements, when loaded) and
 * CPU time of each process, as deltas over a phase divided by its actions.
 */
export interface Snapshot {
  redis: Map<string, number>;
  statements: Map<string, number>;
  /** Server-side execution time (ms) per statement text. */
  statementMs: Map<string, number>;
  cpu: Map<string, number>;
  machine: { busy: number; total: number };
}

function machineTicks(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  const total = cpu.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

export async function snapshot(opts: { redisUrl?: string; databaseUrl: string; statements: boolean; procs: { name: string; pid: number }[]; pids?: { postgres?: number; redis?: number } }): Promise<Snapshot> {
  const redis = new Map<string, number>();
  if (opts.redisUrl) {
    const r = new Redis(opts.redisUrl, { maxRetriesPerRequest: 1 });
    const info = await r.info('commandstats');
    r.disconnect();
    for (const m of info.matchAll(/cmdstat_([\w|]+):calls=(\d+)/g)) redis.set(m[1]!, Number(m[2]));
  }
  const statements = new Map<string, number>();
  const statementMs = new Map<string, number>();
  if (opts.statements) {
    const c = new pg.Client({ connectionString: opts.databaseUrl });
    await c.connect();
    try {
      const { rows } = await c.query<{ query: string; calls: string; ms: number }>(`select query, calls, total_exec_time as ms from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database())`);
      for (const r of rows) {
        statements.set(r.query, (statements.get(r.query) ?? 0) + Number(r.calls));
        statementMs.set(r.query, (statementMs.get(r.query) ?? 0) + Number(r.ms));
      }
    } finally {
      await c.end();
    }
  }
  const cpu = new Map(opts.procs.map((p) => [p.name, cpuMs(p.pid)]));
  // The server side and the load driver itself (backends of a postmaster that only this bench uses).
  if (opts.pids?.postgres) cpu.set('postgres', treeCpuMs(opts.pids.postgres));
  if (opts.pids?.redis) cpu.set('redis', cpuMs(opts.pids.redis));
  cpu.set('driver', cpuMs(process.pid));
  return { redis, statements, statementMs, cpu, machine: machineTicks() };
}

export interface Budget {
  actions: number;
  redisPerAction: Record<string, number>;
  redisTotalPerAction: number;
  pgPerAction: { query: string; perAction: number; execMsPerAction: number }[];
  pgTotalPerAction: number | null;
  cpuMsPerAction: Record<string, number>;
  machineBusyPercent: number;
}

const r2 = (v: number) => Math.round(v * 100) / 100;

export function budget(before: Snapshot, after: Snapshot, actions: number): Budget {
  const n = Math.max(1, actions);
  const redisPerAction: Record<string, number> = {};
  let redisTotal = 0;
  for (const [k, v] of after.redis) {
    const d = v - (before.redis.get(k) ?? 0);
    // The bench's own INFO calls are not bureau's.
    if (d > 0 && k !== 'info') {
      redisPerAction[k] = r2(d / n);
      redisTotal += d;
    }
  }
  const pgPer: { query: string; perAction: number; execMsPerAction: number }[] = [];
  let pgTotal = 0;
  for (const [q, v] of after.statements) {
    const d = v - (before.statements.get(q) ?? 0);
    if (d > 0 && !q.includes('pg_stat_statements')) {
      const ms = (after.statementMs.get(q) ?? 0) - (before.statementMs.get(q) ?? 0);
      pgPer.push({ query: q.replace(/\s+/g, ' ').slice(0, 160), perAction: r2(d / n), execMsPerAction: Math.round((ms / n) * 1000) / 1000 });
      pgTotal += d;
    }
  }
  pgPer.sort((a, b) => b.perAction - a.perAction);
  const cpuMsPerAction: Record<string, number> = {};
  for (const [k, v] of after.cpu) cpuMsPerAction[k] = r2((v - (before.cpu.get(k) ?? 0)) / n);
  const busy = after.machine.busy - before.machine.busy;
  const total = after.machine.total - before.machine.total;
  return {
    actions,
    redisPerAction: Object.fromEntries(Object.entries(redisPerAction).sort((a, b) => b[1] - a[1])),
    redisTotalPerAction: r2(redisTotal / n),
    pgPerAction: pgPer.filter((p) => p.perAction >= 0.01).slice(0, 25),
    pgTotalPerAction: before.statements.size || after.statements.size ? r2(pgTotal / n) : null,
    cpuMsPerAction,
    machineBusyPercent: total ? Math.round((busy / total) * 100) : 0,
  };
}

/** Several rounds' budgets as one: each per-action figure averaged over the rounds, weighted by their actions. */
export function mergeBudgets(list: Budget[]): Budget {
  if (list.length === 1) return list[0]!;
  const n = list.reduce((a, b) => a + b.actions, 0) || 1;
  const weighted = (get: (b: Budget) => Iterable<[string, number]>) => {
    const sum = new Map<string, number>();
    for (const b of list) for (const [k, v] of get(b)) sum.set(k, (sum.get(k) ?? 0) + v * b.actions);
    return new Map([...sum].map(([k, v]) => [k, v / n]));
  };
  const redis = weighted((b) => Object.entries(b.redisPerAction));
  const cpu = weighted((b) => Object.entries(b.cpuMsPerAction));
  const calls = weighted((b) => b.pgPerAction.map((q) => [q.query, q.perAction]));
  const ms = weighted((b) => b.pgPerAction.map((q) => [q.query, q.execMsPerAction]));
  const pgTotals = list.map((b) => b.pgTotalPerAction);
  return {
    actions: n,
    redisPerAction: Object.fromEntries([...redis].map(([k, v]) => [k, r2(v)] as const).sort((a, b) => b[1] - a[1])),
    redisTotalPerAction: r2(list.reduce((a, b) => a + b.redisTotalPerAction * b.actions, 0) / n),
    pgPerAction: [...calls].map(([query, v]) => ({ query, perAction: r2(v), execMsPerAction: Math.round((ms.get(query) ?? 0) * 1000) / 1000 })).sort((a, b) => b.perAction - a.perAction),
    pgTotalPerAction: pgTotals.every((v) => v === null) ? null : r2(list.reduce((a, b) => a + (b.pgTotalPerAction ?? 0) * b.actions, 0) / n),
    cpuMsPerAction: Object.fromEntries([...cpu].map(([k, v]) => [k, r2(v)])),
    machineBusyPercent: Math.round(list.reduce((a, b) => a + b.machineBusyPercent * b.actions, 0) / n),
  };
}
