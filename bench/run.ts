/**
 * `npm run bench`: bureau against a bare pipeline doing the same work, back to
 * back in one run, so the ratios hold even when the machine's absolute speed
 * moves. See docs/benchmarks.md for what each phase means and the budget.
 *
 *   npm run bench                       baseline, bureau (Redis), bureau (PostgreSQL queues), mixed, overload
 *   npm run bench -- --soak [--actions N]   N (default 100k) actions at 64 lanes; RSS, table sizes, Redis keys
 *   options: --seconds N (measured window per phase), --rounds N, --users N, --set KEY=VALUE (bureau config), --profile (--cpu-prof files),
 *            --node-flags="F..." (node flags for every bureau process, e.g. --perf-basic-prof for `perf record`),
 *            --only a,b (phases: baseline, bureau, pg, mixed, overload), --no-docs (do not rewrite docs/benchmarks.md)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { hashPassword, newToken } from '../src/domains/accounts/passwords.js';
import { loadConfig } from '../src/config.js';
import { openOrm, sql } from '../src/infra/db.js';
import { pickFreePort } from '../src/infra/free-port.js';
import { loadDemo } from '../fixtures/demo.js';
import { loginAll, release, startBureau, type BureauMode, type RunningBureau } from './lib/bureau.js';
import { budget, snapshot, type Budget } from './lib/counters.js';
import { closedLoop, connectUsers, mergeClosed, openLoop, type Act, type ClosedResult, type Connected, type Target, type UserSlot } from './lib/load.js';
import { rssKiB, spawnProc, stopAll } from './lib/procs.js';
import { dropPrefix, query, startServices, type Services } from './lib/services.js';
import { baselineTarget, bureauTarget } from './lib/targets.js';
import { renderDocs, renderTable, type BenchResult, type BureauRun } from './lib/report.js';

const { values: args } = parseArgs({
  options: {
    soak: { type: 'boolean', default: false },
    actions: { type: 'string' },
    seconds: { type: 'string' },
    profile: { type: 'boolean', default: false },
    'node-flags': { type: 'string' },
    only: { type: 'string' },
    'no-docs': { type: 'boolean', default: false },
    users: { type: 'string' },
    rounds: { type: 'string' },
    set: { type: 'string', multiple: true },
  },
});

const ROOT = process.cwd();
const RESULTS = path.join(ROOT, 'bench', 'results');
const LOGS = path.join(RESULTS, 'logs');
const SECONDS = args.seconds ? Number(args.seconds) : 30;
const ONE_LANE_SECONDS = Math.max(5, Math.round(SECONDS / 2));
const LANES = 64;
/** Users the 64 lanes are spread over (8 by default: admins, half per tenant); more only to study the per-user feed lock. */
const USERS = args.users ? Math.max(2, Number(args.users)) : 8;
/** Back-pressure threshold for the bench's bureau (MAX_BACKLOG): low enough that the overload phase reaches it in seconds. */
const BENCH_MAX_BACKLOG = 2000;
/** `--set KEY=VALUE` (repeatable): extra configuration for every bureau process, e.g. WORKER_CONCURRENCY=64. */
const EXTRA_ENV = Object.fromEntries((args.set ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
/** Turns each of baseline and bureau (Redis) take under each load. */
const ROUNDS = args.rounds ? Math.max(1, Number(args.rounds)) : 2;
/** JSON.stringify replacer for the result files: raw latency samples stay out. */
const withoutSamples = (k: string, v: unknown): unknown => (k === 'latencies' || k === 'replyLatencies' ? undefined : v);
const phases = new Set((args.only ?? 'baseline,bureau,pg,mixed,overload').split(','));
const log = (m: string) => process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

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

interface BenchUsers {
  password: string;
  admins: { email: string; password: string }[];
  reviewers: { email: string; password: string }[];
}

/** Demo data (fixtures/demo.ts) plus the bench's own users: 4 admins and 4 level-3 compliance officers per tenant. */
async function seed(databaseUrl: string): Promise<BenchUsers> {
  const password = newToken(12);
  const config = loadConfig({}, { databaseUrl, logLevel: 'silent' });
  const orm = await openOrm(config, { poolMax: 2 });
  try {
    await loadDemo(orm.em.fork(), password, config);
    const hash = await hashPassword(password, config.argon2);
    const users: BenchUsers = { password, admins: [], reviewers: [] };
    for (const tenant of ['acme', 'globex']) {
      for (let i = 1; i <= Math.max(4, USERS / 2); i++) {
        for (const [local, role, list] of [[`bench-admin${i}`, 'admin', users.admins], [`bench-reviewer${i}`, 'compliance', users.reviewers]] as const) {
          const email = `${local}@${tenant}.test`;
          await sql(orm.em.fork(), `insert into app_user (tenant_id, email, role, level, status, first_name, last_name, password_hash)
                                    select id, ?, ?, 3, 'active', 'Bench', ?, ? from tenant where slug = ?`, [email, role, local, hash, tenant]);
          list.push({ email, password });
        }
      }
    }
    // Interleave tenants so lane i and lane i+1 work in different tenants.
    const half = users.admins.length / 2;
    const inter = (l: { email: string; password: string }[]) => l.slice(0, half).flatMap((u, i) => [u, l[i + half]!]).slice(0, USERS);
    return { password, admins: inter(users.admins), reviewers: inter(users.reviewers) };
  } finally {
    await orm.close(true);
  }
}

// ---------------------------------------------------------------- baseline

interface BaselineSide {
  target: Target;
  conns: Connected[];
  procs: { name: string; pid: number }[];
  stop(): Promise<void>;
}

/** The reference pipeline's two processes, with every user's websocket open. */
async function startBaseline(svc: Services, users: UserSlot[]): Promise<BaselineSide> {
  const port = await pickFreePort();
  const prefix = `benchbase${process.pid}`;
  const env = { ...process.env, PORT: String(port), REDIS_URL: svc.redisUrl, DATABASE_URL: svc.databaseUrl, BASE_PREFIX: prefix };
  const web = spawnProc('baseline-web', ['--import', 'tsx', 'bench/baseline/web.ts'], env, LOGS);
  const worker = spawnProc('baseline-worker', ['--import', 'tsx', 'bench/baseline/worker.ts'], env, LOGS);
  const stop = async () => {
    await Promise.allSettled([web.stop(), worker.stop()]);
    await dropPrefix(svc.redisUrl, prefix);
  };
  try {
    await Promise.all([web.waitFor(/listening/), worker.waitFor(/ready/)]);
    const target = baselineTarget(`http://127.0.0.1:${port}`);
    const conns = await connectUsers(target, users);
    return {
      target,
      conns,
      procs: [web, worker],
      async stop() {
        for (const c of conns) c.feed.close();
        await stop();
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function baseScenario(act: Act, conn: Connected): Promise<void> {
  return act(conn, 'create_customer', { name: `Base ${Math.random().toString(36).slice(2, 10)}` }).then(() => undefined);
}

// ---------------------------------------------------------------- bureau

function createScenario(act: Act, conn: Connected): Promise<void> {
  return act(conn, 'create_customer', { name: `Bench ${Math.random().toString(36).slice(2, 10)}` }).then(() => undefined);
}

async function measured(svc: Services, b: { procs: { name: string; pid: number }[] }, redisUrl: string | undefined, run: () => Promise<ClosedResult>): Promise<{ result: ClosedResult; budget: Budget }> {
  const procs = b.procs.map((p) => ({ name: p.name.replace(/^[^-]+-/, ''), pid: p.pid }));
  if (svc.statements) await query(svc.databaseUrl, 'select pg_stat_statements_reset()');
  const before = await snapshot({ redisUrl, databaseUrl: svc.databaseUrl, statements: svc.statements, procs, pids: svc.pids });
  const result = await run();
  const after = await snapshot({ redisUrl, databaseUrl: svc.databaseUrl, statements: svc.statements, procs, pids: svc.pids });
  // Per action over everything that ran between the snapshots: the window plus warm-up and the tail, so divide by all completions.
  return { result, budget: budget(before, after, result.allCompleted) };
}

type BaselineResult = { lanes64: ClosedResult; lanes64Budget: Budget; lane1: ClosedResult };

/**
 * bureau in `mode`. With `baseline` (already running), the two take turns
 * under the same load, ROUNDS times each (baseline, bureau, baseline,
 * bureau...), so drift in the machine's speed (other people's work) falls on
 * both alike; each side's rounds are merged.
 */
async function runBureau(svc: Services, users: BenchUsers, mode: BureauMode, opts: { mixed: boolean; overload: boolean; baseline?: BaselineSide; onBaseline?: (r: BaselineResult) => void }): Promise<BureauRun> {
  await release(mode);
  const b = await startBureau(mode);
  try {
    const target = bureauTarget(b.url);
    const admins = await loginAll(b.url, users.admins);
    const conns = await connectUsers(target, admins);
    const redisUrl = mode.redisUrl || undefined;
    const base = opts.baseline;
    const rounds = base ? ROUNDS : 1;
    const b64: { result: ClosedResult; budget: Budget }[] = [];
    const x64: { result: ClosedResult; budget: Budget }[] = [];
    for (let r = 1; r <= rounds; r++) {
      if (base) {
        log(`baseline: ${LANES} lanes, ${SECONDS}s (round ${r}/${rounds})`);
        const m = await measured(svc, base, svc.redisUrl, () => closedLoop({ target: base.target, conns: base.conns, lanes: LANES, warmupSeconds: 5, seconds: SECONDS, scenario: baseScenario }));
        log(`baseline: ${m.result.perSecond}/s p50 ${m.result.latency.p50} p95 ${m.result.latency.p95} (reply p50 ${m.result.reply.p50}) errors ${m.result.errors} lost ${m.result.lost}`);
        b64.push(m);
      }
      log(`${mode.label}: ${LANES} lanes, ${SECONDS}s (round ${r}/${rounds})`);
      // Snapshots include warm-up; the budget divides by every action completed between them.
      const m = await measured(svc, b, redisUrl, () => closedLoop({ target, conns, lanes: LANES, warmupSeconds: 5, seconds: SECONDS, scenario: createScenario }));
      log(`${mode.label}: ${m.result.perSecond}/s p50 ${m.result.latency.p50} p95 ${m.result.latency.p95} (reply p50 ${m.result.reply.p50}) errors ${m.result.errors} lost ${m.result.lost} reconnects ${m.result.reconnects}`);
      await explainLost(svc, m.result);
      x64.push(m);
    }
    const b1: ClosedResult[] = [];
    const x1: ClosedResult[] = [];
    for (let r = 1; r <= rounds; r++) {
      if (base) {
        b1.push(await closedLoop({ target: base.target, conns: base.conns.slice(0, 1), lanes: 1, warmupSeconds: 2, seconds: ONE_LANE_SECONDS, scenario: baseScenario }));
        log(`baseline 1 lane: p50 ${b1[b1.length - 1]!.latency.p50}, reply p50 ${b1[b1.length - 1]!.reply.p50} (round ${r}/${rounds})`);
      }
      x1.push(await closedLoop({ target, conns: conns.slice(0, 1), lanes: 1, warmupSeconds: 2, seconds: ONE_LANE_SECONDS, scenario: createScenario }));
      log(`${mode.label} 1 lane: p50 ${x1[x1.length - 1]!.latency.p50}, reply p50 ${x1[x1.length - 1]!.reply.p50} (round ${r}/${rounds})`);
    }
    if (base) {
      opts.onBaseline?.({ lanes64: mergeClosed(b64.map((m) => m.result)), lanes64Budget: b64[0]!.budget, lane1: mergeClosed(b1) });
      // The rest is bureau's alone.
      await base.stop();
    }
    const out: BureauRun = { mode: mode.label, lanes64: mergeClosed(x64.map((m) => m.result)), lanes64Budget: x64[0]!.budget, lane1: mergeClosed(x1), rss: {} };
    if (opts.mixed) out.mixed = await runMixed(svc, b, users, conns, target, redisUrl);
    if (opts.overload) {
      const rate = Math.min(3000, Math.max(600, Math.round(out.lanes64.perSecond * 3)));
      log(`${mode.label}: open-loop overload at ${rate}/s for 15s (MAX_BACKLOG ${BENCH_MAX_BACKLOG})`);
      const o = await openLoop({ target, conns, rate, seconds: 15, action: 'create_customer', data: (n) => ({ name: `Flood ${n}` }), depth: () => b.depth('admin') });
      log(`overload: accepted ${o.accepted}, 429 ${o.throttled}, max depth ${o.maxDepth}, lost ${o.lost}, errors ${o.errors}`);
      out.overload = { ...o, maxBacklog: BENCH_MAX_BACKLOG };
    }
    for (const p of b.procs) out.rss[p.name.replace(/^[^-]+-/, '')] = Math.round(rssKiB(p.pid) / 1024);
    for (const c of conns) c.feed.close();
    return out;
  } finally {
    await b.stop();
    if (mode.redisUrl) await dropPrefix(mode.redisUrl, mode.queuePrefix);
  }
}


/** Logs what the database says about lost tasks (a lost result is a bug somewhere: in bureau or in the driver). */
async function explainLost(svc: Services, r: ClosedResult): Promise<void> {
  if (!r.lostIds.length) return;
  const ids = r.lostIds.map((s) => Number(s.split('@')[0])).filter(Number.isSafeInteger);
  log(`lost (task@client's last seq): ${r.lostIds.join(' ')}`);
  const rows = await query(svc.databaseUrl, `select t.id, t.action, t.status, t.actor_id, (select max(seq) from feed_entry f where f.task_id = t.id and f.user_id = t.actor_id) as seq from task t where t.id = any($1::bigint[])`, [ids]);
  log(`lost tasks: ${JSON.stringify(rows)}`);
}

// ---------------------------------------------------------------- mixed workload

async function runMixed(svc: Services, b: RunningBureau, users: BenchUsers, admins: Connected[], target: Target, redisUrl: string | undefined) {
  const reviewers = await connectUsers(target, await loginAll(b.url, users.reviewers));
  const catalogue = (await (await fetch(`${b.url}/api/v1/actions`)).json()) as { actions: { name: string; roles: string[] | string; example: Record<string, unknown> }[] };
  const invite = catalogue.actions.find((a) => a.name === 'invite_user');
  const guest = catalogue.actions.find((a) => /guest/.test(a.name) && /save|answer/.test(a.name));
  const notes: string[] = [];
  notes.push(invite ? 'invite_user: in the registry, included' : 'invite_user: not yet in the registry when this ran (n/a)');
  notes.push(guest ? `guest task save: ${guest.name} exists but is not driven yet (n/a)` : 'guest task save: the guest domain does not exist yet (n/a)');
  const customers = new Map<number, number[]>();
  for (const r of await query<{ id: number; tenant_id: number }>(svc.databaseUrl, 'select id, tenant_id from customer where id <= 1000 order by id')) {
    customers.set(r.tenant_id, [...(customers.get(r.tenant_id) ?? []), r.id]);
  }
  const pick = <T>(l: T[]) => l[Math.floor(Math.random() * l.length)]!;
  let n = 0;
  /** Weighted menu: one entry = one scenario, some of several actions (review needs create + take first). */
  const menu: [number, (act: Act, admin: Connected, reviewer: Connected) => Promise<void>][] = [
    [25, async (act, admin) => void (await act(admin, 'create_customer', { name: `Mixed ${++n}` }))],
    [20, async (act, admin) => void (await act(admin, 'get_customer', { id: pick(customers.get(admin.user.auth.tenantId as number)!) }))],
    [
      20,
      async (act, admin, reviewer) => {
        const doc = (await act(admin, 'create_document', { cid: pick(customers.get(admin.user.auth.tenantId as number)!), content: 'Bench passport scan' })) as { id: number };
        await act(reviewer, 'get_task', { id: doc.id, type: 'document' });
        await act(reviewer, 'review_document', { id: doc.id, approved: Math.random() < 0.7, reason: 'bench' });
        await act(reviewer, 'get_document', { id: doc.id });
      },
    ],
    [
      15,
      async (act, admin, reviewer) => {
        const tr = (await act(admin, 'create_transfer', { cid: pick(customers.get(admin.user.auth.tenantId as number)!), amount: '1250.00' })) as { id: number };
        await act(reviewer, 'get_task', { id: tr.id, type: 'transfer' });
        await act(reviewer, 'escalate_task', { id: tr.id, type: 'transfer', level: 2, reason: 'bench: above my limit' });
        await act(reviewer, 'review_transfer', { id: tr.id, approved: false, reason: 'bench' });
      },
    ],
    ...(invite ? [[10, async (act: Act, admin: Connected) => void (await act(admin, 'invite_user', { ...invite.example, email: `bench-invite-${process.pid}-${++n}@example.test` }))] as [number, (act: Act, admin: Connected, reviewer: Connected) => Promise<void>]] : []),
  ];
  const total = menu.reduce((a, [w]) => a + w, 0);
  log(`mixed: ${LANES} lanes over ${admins.length} admins + ${reviewers.length} reviewers, ${SECONDS}s`);
  const m = await measured(svc, b, redisUrl, () =>
    closedLoop({
      target,
      conns: admins,
      lanes: LANES,
      warmupSeconds: 5,
      seconds: SECONDS,
      scenario: async (act, admin, lane) => {
        // The reviewer works in the admin's tenant.
        const reviewer = reviewers[lane % reviewers.length]!;
        let r = Math.random() * total;
        for (const [w, run] of menu) {
          if ((r -= w) < 0) return run(act, admin, reviewer);
        }
      },
    }),
  );
  log(`mixed: ${m.result.perSecond} actions/s p50 ${m.result.latency.p50} p95 ${m.result.latency.p95} errors ${m.result.errors} lost ${m.result.lost}`);
  await explainLost(svc, m.result);
  for (const c of reviewers) c.feed.close();
  return { ...m, notes };
}

// ---------------------------------------------------------------- soak

async function runSoak(svc: Services, users: BenchUsers, actions: number) {
  const mode: BureauMode = { label: 'bureau (Redis)', databaseUrl: svc.databaseUrl, redisUrl: svc.redisUrl, queuePrefix: `benchsoak${process.pid}`, env: { MAX_BACKLOG: String(BENCH_MAX_BACKLOG) }, logDir: LOGS };
  await release(mode);
  const b = await startBureau(mode);
  const samples: { t: number; completed: number; rss: Record<string, number>; redisKeys: number; redisMemoryMiB: number }[] = [];
  const tables: { t: number; sizes: Record<string, number> }[] = [];
  const { Redis } = await import('ioredis');
  const redis = new Redis(svc.redisUrl);
  const tableSizes = async () =>
    Object.fromEntries(
      (await query<{ name: string; mib: number }>(svc.databaseUrl, `select relname as name, round(pg_total_relation_size(oid) / 1048576.0, 2)::float as mib from pg_class where relkind = 'r' and relnamespace = 'public'::regnamespace order by 2 desc`)).map((r) => [r.name, r.mib]),
    );
  try {
    const target = bureauTarget(b.url);
    const conns = await connectUsers(target, await loginAll(b.url, users.admins));
    tables.push({ t: 0, sizes: await tableSizes() });
    const t0 = Date.now();
    log(`soak: ${actions} actions at ${LANES} lanes`);
    const result = await closedLoop({
      target,
      conns,
      lanes: LANES,
      warmupSeconds: 10,
      actions,
      scenario: createScenario,
      resultTimeoutMs: 60_000,
      onTick: async (s, completed) => {
        if (s % 5 !== 0) return;
        const rss: Record<string, number> = Object.fromEntries(b.procs.map((p) => [p.name.replace(/^[^-]+-/, ''), Math.round(rssKiB(p.pid) / 1024)]));
        if (svc.pids.redis) rss['redis-server'] = Math.round(rssKiB(svc.pids.redis) / 1024);
        const keys = await redis.dbsize();
        const mem = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0) / 1048576;
        samples.push({ t: Math.round((Date.now() - t0) / 1000), completed, rss, redisKeys: keys, redisMemoryMiB: Math.round(mem * 10) / 10 });
        if (s % 60 === 0) {
          tables.push({ t: s, sizes: await tableSizes() });
          log(`soak: ${completed}/${actions}, rss ${JSON.stringify(rss)}, redis keys ${keys}`);
        }
      },
    });
    tables.push({ t: Math.round((Date.now() - t0) / 1000), sizes: await tableSizes() });
    for (const c of conns) c.feed.close();
    // Warm-up = the first 20% of the samples; growth = last sample over the first sample after warm-up.
    const first = samples[Math.floor(samples.length * 0.2)] ?? samples[0];
    const last = samples[samples.length - 1];
    const growth = Object.fromEntries(Object.keys(first?.rss ?? {}).map((k) => [k, first && last && first.rss[k] ? Math.round(((last.rss[k]! - first.rss[k]!) / first.rss[k]!) * 1000) / 10 : 0]));
    return { actions, result, samples, tables, rssGrowthPercent: growth, redisKeys: { afterWarmup: first?.redisKeys ?? 0, end: last?.redisKeys ?? 0, max: Math.max(0, ...samples.map((s) => s.redisKeys)) } };
  } finally {
    redis.disconnect();
    await b.stop();
    await dropPrefix(svc.redisUrl, mode.queuePrefix);
  }
}

// ---------------------------------------------------------------- main

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
