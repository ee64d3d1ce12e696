/**
 * `npm run bench`: bureau against a bare pipeline doing the same work, back to
 * back in one run, so the ratios hold even when the machine's absolute speed
 * moves. See docs/benchmarks.md for what each phase means and the budget.
 *
 *   npm run bench                       baseline, bureau (Redis), bureau (PostgreSQL queues), mixed, overload, fairness
 *   npm run bench -- --soak [--actions N]   N (default 100k) actions at 64 lanes; RSS, table sizes, Redis keys
 *   options: --seconds N (measured window per phase), --rounds N, --users N, --set KEY=VALUE (bureau config), --profile (--cpu-prof files),
 *            --node-flags="F..." (node flags for every bureau process, e.g. --perf-basic-prof for `perf record`),
 *            --only a,b (phases: baseline, bureau, pg, mixed, overload, fairness; and fairness-cycles, not in the default run:
 *            the fairness measure for a busy machine), --no-docs (do not rewrite docs/benchmarks.md)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { release, type BureauMode } from './lib/bureau.js';
import { startBaseline } from './lib/baseline.js';
import type { UserSlot } from './lib/load.js';
import { stopAll } from './lib/procs.js';
import { renderDocs, renderTable, type BenchResult } from './lib/report.js';
import { seed } from './lib/seed.js';
import { query, startServices, type Services } from './lib/services.js';
import { args, BENCH_MAX_BACKLOG, EXTRA_ENV, LANES, log, LOGS, ONE_LANE_SECONDS, phases, RESULTS, ROOT, SECONDS } from './lib/settings.js';
import { runBureau } from './phases/bureau.js';
import { runFairness } from './phases/fairness.js';
import { runFairnessCycles } from './phases/fairness-cycles.js';
import { runSoak } from './phases/soak.js';

/** JSON.stringify replacer for the result files: raw latency samples stay out. */
const withoutSamples = (k: string, v: unknown): unknown => (k === 'latencies' || k === 'replyLatencies' ? undefined : v);

let services: Services | null = null;
let stopping = false;
async function cleanup(): Promise<void> {
  await stopAll();
  await services?.stop();
  services = null;
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) process.exit(1);
    stopping = true;
    log(`${sig}: stopping everything the bench started`);
    void cleanup().finally(() => process.exit(130));
  });
}

function versions() {
  const pkg = (name: string) => {
    try {
      return (JSON.parse(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      return '?';
    }
  };
  let commit = '?';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    /* not a checkout */
  }
  return { node: process.version, bullmq: pkg('bullmq'), koa: pkg('koa'), ws: pkg('ws'), ioredis: pkg('ioredis'), pg: pkg('pg'), mikroOrm: pkg('@mikro-orm/core'), bureauCommit: commit };
}

async function main(): Promise<void> {
  const started = Date.now();
  rmSync(LOGS, { recursive: true, force: true });
  mkdirSync(LOGS, { recursive: true });
  const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '?', memGiB: Math.round(os.totalmem() / 2 ** 30), loadAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100), kernel: os.release(), host: os.hostname() };
  log(`machine: ${machine.cpus} x ${machine.cpuModel}, load ${machine.loadAtStart.join(' ')}`);
  services = await startServices(process.env, log);
  const svc = services;
  // Migrations through the Procfile's release step, then the demo data and the bench users.
  const redisMode = (prefix: string): BureauMode => ({
    label: 'bureau (Redis)',
    databaseUrl: svc.databaseUrl,
    redisUrl: svc.redisUrl,
    queuePrefix: prefix,
    env: { MAX_BACKLOG: String(BENCH_MAX_BACKLOG), ...EXTRA_ENV },
    logDir: LOGS,
    nodeFlags: [...(args.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(RESULTS, 'profiles')}`] : []), ...(args['node-flags']?.split(/\s+/).filter(Boolean) ?? [])],
  });
  await release(redisMode('benchrelease'));
  const users = await seed(svc.databaseUrl);
  const adminIds = await query<{ id: number; tenant_id: number; email: string }>(svc.databaseUrl, `select id, tenant_id, email from app_user where email like 'bench-admin%'`);
  const byEmail = new Map(adminIds.map((r) => [r.email, r]));
  const baseUsers: UserSlot[] = users.admins.map((u) => ({ name: u.email, auth: { userId: byEmail.get(u.email)!.id, tenantId: byEmail.get(u.email)!.tenant_id } }));

  if (args.soak) {
    const actions = args.actions ? Number(args.actions) : 100_000;
    const soak = await runSoak(svc, users, actions);
    const out = { kind: 'soak', date: new Date(started).toISOString(), machine, versions: versions(), services: svc.describe, durationSeconds: Math.round((Date.now() - started) / 1000), soak };
    writeFileSync(path.join(RESULTS, 'soak.json'), JSON.stringify(out, withoutSamples, 2) + '\n');
    const table = renderTable({ soak: out } as unknown as BenchResult);
    process.stdout.write('\n' + table + '\n');
    if (!args['no-docs']) renderDocs(path.join(ROOT, 'docs', 'benchmarks.md'), { soak: out });
    return;
  }

  const result: BenchResult = { kind: 'bench', date: new Date(started).toISOString(), machine, versions: versions(), services: svc.describe, settings: { lanes: LANES, users: baseUsers.length, seconds: SECONDS, oneLaneSeconds: ONE_LANE_SECONDS, maxBacklog: BENCH_MAX_BACKLOG, procfile: readFileSync('Procfile', 'utf8').trim().split('\n') } } as BenchResult;
  const baseline = phases.has('baseline') ? await startBaseline(svc, baseUsers) : undefined;
  try {
    if (phases.has('bureau')) {
      result.bureau = await runBureau(svc, users, redisMode(`benchb${process.pid}`), { mixed: phases.has('mixed'), overload: phases.has('overload'), baseline, onBaseline: (r) => (result.baseline = r) });
    }
  } finally {
    await baseline?.stop();
  }
  if (phases.has('pg')) {
    const pgMode: BureauMode = { ...redisMode(`benchpg${process.pid}`), label: 'bureau (PostgreSQL queues, no Redis)', redisUrl: '' };
    result.bureauPg = await runBureau(svc, users, pgMode, { mixed: false, overload: false });
  }
  if (phases.has('fairness')) result.fairness = await runFairness(svc, users, { ...redisMode(`benchf${process.pid}`), label: 'bureau (Redis)' });
  if (phases.has('fairness-cycles')) result.fairnessCycles = await runFairnessCycles(svc, users, { ...redisMode(`benchc${process.pid}`), label: 'bureau (Redis)' });
  result.durationSeconds = Math.round((Date.now() - started) / 1000);
  result.loadAtEnd = os.loadavg().map((l) => Math.round(l * 100) / 100);
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(path.join(RESULTS, 'latest.json'), JSON.stringify(result, withoutSamples, 2) + '\n');
  const table = renderTable(result);
  process.stdout.write('\n' + table + '\n');
  if (!args['no-docs']) renderDocs(path.join(ROOT, 'docs', 'benchmarks.md'), { bench: result, table });
  log(`done in ${result.durationSeconds}s; bench/results/latest.json${args['no-docs'] ? '' : ' and docs/benchmarks.md'} written`);
}

try {
  await main();
} catch (err) {
  log(`failed: ${(err as Error).stack ?? err}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
process.exit(process.exitCode ?? 0);
