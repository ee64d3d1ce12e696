/**
 * `npm run bench`: bureau against a bare pipeline doing the same work, back to
 * back in one run, so the ratios hold even when the machine's absolute speed
 * moves. See docs/benchmarks.md for what each phase means and the budget.
 *
 *   npm run bench                       every phase: baseline, bureau (Redis), the peers, one user, latency, bureau (PostgreSQL queues), mixed, overload, fairness
 *   npm run bench -- --soak [--actions N]   N (default 100k) actions at 64 lanes; RSS, table sizes, Redis keys
 *   options: --seconds N (measured window per phase), --rounds N, --users N, --set KEY=VALUE (bureau config), --profile (--cpu-prof files),
 *            --node-flags="F..." (node flags for every bureau process, e.g. --perf-basic-prof for `perf record`),
 *            --only a,b (phases: baseline, bureau, peers, one-user, latency, pg, mixed, overload, fairness; and fairness-cycles,
 *            not in the default run: the fairness measure for a busy machine),
 *            --best-peer NAME (the latency phase's peer when the peers phase does not run), --no-docs (do not rewrite docs/benchmarks.md)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { release, type BureauMode } from './lib/bureau.js';
import { startBaseline } from './lib/baseline.js';
import type { UserSlot } from './lib/load.js';
import { stopAll } from './lib/procs.js';
import { PEERS, type PeerName } from './lib/peers.js';
import { renderDocs, renderTable, type BenchResult, type SideFigures } from './lib/report.js';
import { paper } from './lib/report-paper.js';
import { summary } from './lib/report-ratios.js';
import { seed } from './lib/seed.js';
import { query, startServices, type Services } from './lib/services.js';
import { args, BENCH_MAX_BACKLOG, EXTRA_ENV, LANES, log, LOGS, ONE_LANE_SECONDS, phases, RESULTS, ROOT, ROUNDS, SECONDS, type Phase } from './lib/settings.js';
import { runBureau, type BureauOutcome } from './phases/bureau.js';
import { runFairness } from './phases/fairness.js';
import { sideOf, startPeers } from './phases/peers.js';
import { runFairnessCycles } from './phases/fairness-cycles.js';
import { runSoak } from './phases/soak.js';

/** JSON.stringify replacer for the result files: raw latency samples stay out. */
const withoutSamples = (k: string, v: unknown): unknown => (k === 'latencies' || k === 'replyLatencies' ? undefined : v);

const want = (p: Phase) => phases.has(p);
const isPeer = (name: string): name is PeerName => (PEERS as readonly string[]).includes(name);
const bestPeerArg = args['best-peer'];
if (bestPeerArg !== undefined && !isPeer(bestPeerArg)) throw new Error(`--best-peer: unknown peer ${bestPeerArg} (peers: ${PEERS.join(', ')})`);

/** A side's 64-lane rotation figures as latest.json keeps them. */
function figures(o: BureauOutcome, key: string): SideFigures | undefined {
  const s = o.lanes64.get(key);
  return s && { label: s.label, lanes64: s.result, lanes64Budget: s.budget, cpuRounds: s.roundBudgets.map((b) => b.cpuMsPerAction) };
}

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

  const result: BenchResult = { kind: 'bench', date: new Date(started).toISOString(), machine, versions: versions(), services: svc.describe, settings: { lanes: LANES, users: baseUsers.length, seconds: SECONDS, oneLaneSeconds: ONE_LANE_SECONDS, maxBacklog: BENCH_MAX_BACKLOG, rounds: ROUNDS, phases: [...phases], procfile: readFileSync('Procfile', 'utf8').trim().split('\n') } } as BenchResult;
  // The baseline and the peers stay up while bureau (Redis) takes turns with them, then stop before bureau's mixed workload and overload.
  const baseline = want('baseline') || want('peers') || want('latency') ? await startBaseline(svc, baseUsers) : undefined;
  const peerNames: readonly PeerName[] = want('peers') ? PEERS : want('latency') ? (bestPeerArg ? [bestPeerArg as PeerName] : PEERS) : [];
  const peers = peerNames.length ? await startPeers(svc, baseUsers, peerNames) : undefined;
  let companyStopped = false;
  const stopCompany = async () => {
    if (companyStopped) return;
    companyStopped = true;
    await baseline?.stop();
    await peers?.stop();
  };
  try {
    if ((['baseline', 'bureau', 'peers', 'one-user', 'latency', 'mixed', 'overload'] as const).some(want)) {
      const base = baseline && sideOf('baseline', 'baseline', baseline, svc.redisUrl);
      const o = await runBureau(svc, users, redisMode(`benchb${process.pid}`), {
        rounds: ROUNDS,
        lanes64: want('bureau') || want('peers') || want('one-user'),
        oneUser: want('one-user'),
        lane1: want('bureau'),
        company: {
          lanes64: [...(base && (want('baseline') || want('peers')) ? [base] : []), ...(want('peers') ? (peers?.sides ?? []) : [])],
          lane1: base && want('baseline') ? [base] : [],
          baseline: base,
          peers: peers?.sides ?? [],
          stop: stopCompany,
        },
        latency: want('latency') ? { bestPeerArg } : null,
        mixed: want('mixed'),
        overload: want('overload'),
      });
      result.bureau = o.run;
      const b64 = figures(o, 'baseline');
      if (b64 || o.lane1.has('baseline')) result.baseline = { ...b64, lane1: o.lane1.get('baseline') };
      if (want('peers') && peers) {
        const sides = Object.fromEntries(peers.sides.map((s) => [s.key, figures(o, s.key)] as const).filter((e): e is [string, SideFigures] => e[1] !== undefined));
        result.peers = { sides, failed: peers.failed, idle: o.idle };
      }
      const one = figures(o, 'bureau-one-user');
      if (one) result.oneUser = { ...one, user: users.admins[0]!.email, websockets: 1, lanes: LANES };
      result.latency = o.latency;
    }
  } finally {
    await stopCompany();
  }
  if (want('pg')) {
    const pgMode: BureauMode = { ...redisMode(`benchpg${process.pid}`), label: 'bureau (PostgreSQL queues, no Redis)', redisUrl: '' };
    result.bureauPg = (await runBureau(svc, users, pgMode, { rounds: ROUNDS, lanes64: true, oneUser: false, lane1: true, latency: null, mixed: false, overload: false })).run;
  }
  if (want('fairness')) result.fairness = await runFairness(svc, users, { ...redisMode(`benchf${process.pid}`), label: 'bureau (Redis)' });
  if (want('fairness-cycles')) result.fairnessCycles = await runFairnessCycles(svc, users, { ...redisMode(`benchc${process.pid}`), label: 'bureau (Redis)' });
  result.durationSeconds = Math.round((Date.now() - started) / 1000);
  result.loadAtEnd = os.loadavg().map((l) => Math.round(l * 100) / 100);
  result.summary = summary(result);
  result.paper = paper(result);
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
