import { budget, snapshot, type Budget } from './counters.js';
import type { ClosedResult } from './load.js';
import { query, type Services } from './services.js';
import { log } from './settings.js';

/** Runs `run` between two counter snapshots and turns their difference into a per-action budget; process names as the Procfile spells them (the run's prefix dropped). */
export function measured(svc: Services, b: { procs: { name: string; pid: number }[] }, redisUrl: string | undefined, run: () => Promise<ClosedResult>): Promise<{ result: ClosedResult; budget: Budget }> {
  return measuredProcs(svc, b.procs.map((p) => ({ name: p.name.replace(/^[^-]+-/, ''), pid: p.pid })), redisUrl, run);
}

/** The same for any side's processes, named as given (PostgreSQL's backends, redis-server and the driver are added as `postgres`, `redis`, `driver`). */
export async function measuredProcs(svc: Services, procs: { name: string; pid: number }[], redisUrl: string | undefined, run: () => Promise<ClosedResult>): Promise<{ result: ClosedResult; budget: Budget }> {
  if (svc.statements) await query(svc.databaseUrl, 'select pg_stat_statements_reset()');
  const before = await snapshot({ redisUrl, databaseUrl: svc.databaseUrl, statements: svc.statements, procs, pids: svc.pids });
  const result = await run();
  const after = await snapshot({ redisUrl, databaseUrl: svc.databaseUrl, statements: svc.statements, procs, pids: svc.pids });
  // Per action over everything that ran between the snapshots: the window plus warm-up and the tail, so divide by all completions.
  return { result, budget: budget(before, after, result.allCompleted) };
}

/** Logs what the database says about lost tasks (a lost result is a bug somewhere: in bureau or in the driver). */
export async function explainLost(svc: Services, r: ClosedResult): Promise<void> {
  if (!r.lostIds.length) return;
  const ids = r.lostIds.map((s) => Number(s.split('@')[0])).filter(Number.isSafeInteger);
  log(`lost (task@client's last seq): ${r.lostIds.join(' ')}`);
  const rows = await query(svc.databaseUrl, `select t.id, t.action, t.status, t.actor_id, (select max(seq) from feed_entry f where f.task_id = t.id and f.user_id = t.actor_id) as seq from task t where t.id = any($1::bigint[])`, [ids]);
  log(`lost tasks: ${JSON.stringify(rows)}`);
}
