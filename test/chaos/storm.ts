/**
 * The crash storm: bureau's Procfile processes against a PostgreSQL and a Redis
 * of their own, many clients posting actions, and during the run workers
 * SIGKILLed, Redis killed (AOF, fsync every second), PostgreSQL restarted in
 * immediate mode and the web process SIGTERMed, each then restarted. Afterwards
 * every accepted task must reach one final state and the effects counted in the
 * domain tables must match the succeeded tasks exactly.
 *
 * Used by test/e2e/chaos-storm.test.ts (fast) and scripts/chaos.ts (full).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { buildRegistry } from '../../src/actions.js';
import { pickFreePort } from '../../src/infra/free-port.js';
import { domains } from '../../src/domains.js';
import { DEMO_PASSWORD } from '../helpers/bureau.js';
import { SmtpSink } from '../helpers/smtp-sink.js';
import { procEnv, releaseWithDemo, sleep, spawnProc, startOwnPostgres, startOwnRedis, waitForPing, type OwnPostgres, type OwnRedis, type Proc } from '../helpers/procs.js';
import { domainStormParts, type StormInvariant } from './storm-domains.js';

// Every worker kind runs (the kill rotation takes the first five kinds first, as before the newer domains).
const WORKERS = [...new Set(['admin', 'compliance', 'service', 'system', 'mail', ...domains.workerKinds])].filter((k) => domains.workerKinds.includes(k));
const FINAL = ['succeeded', 'failed', 'cancelled'];

export interface StormOptions {
  /** Actions to post in all (every post counts, follow-ups included). */
  actions: number;
  clients: number;
  backend: 'redis' | 'postgres';
  /** SIGKILL a worker process (round robin over the kinds) this often; null = never. */
  workerKillEveryMs: number | null;
  /** At most this many worker kills (the fast version kills one). */
  maxWorkerKills?: number;
  /** When to strike, as a fraction of the actions posted; null = never. */
  redisKillAt: number | null;
  redisFlushAt?: number | null;
  pgRestartAt: number | null;
  webRestartAt: number | null;
  /** How long every accepted task has to reach a final state once the load ends. */
  settleMs: number;
  /** The action mix; `defaultFlows` unless given. */
  flows?: Flow[];
  /** Invitation sends (invite_user, email through an SMTP sink) in the mix; on when bureau has the action. */
  invitations?: boolean;
  /** The newer domains' flows (tickets, bookings, guest steps), their checks and rules (storm-domains.ts); on for those bureau has. */
  domains?: boolean;
  log?: (line: string) => void;
}

export interface Accepted {
  id: number;
  action: string;
}

/** One user's client: posts with an idempotency key and retries it until accepted, like a careful browser. */
export class Client {
  constructor(
    readonly run: StormRun,
    readonly email: string,
    readonly token: string,
    readonly tenant: string,
  ) {}

  /** Posts one action; returns the task (final when `wait` got it in time), or null when it was refused with a 4xx. */
  async submit(action: string, data: unknown, wait = 0): Promise<{ id: number; status: string; result?: any; error?: any } | null> {
    const key = `${this.run.id}-${this.run.keys++}`;
    const body = JSON.stringify({ token: this.token, task: { action, data, key }, ...(wait ? { wait } : {}) });
    const deadline = Date.now() + 180_000;
    this.run.posted++;
    for (let attempt = 0; ; attempt++) {
      let status = 0;
      let json: any = null;
      try {
        const res = await fetch(`${this.run.url}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(wait + 20_000) });
        status = res.status;
        json = await res.json().catch(() => null);
      } catch {
        status = 0; // refused or reset: the web process is restarting
      }
      if ((status === 200 || status === 202) && json?.task?.id) {
        this.run.accepted.push({ id: json.task.id, action });
        return json.task;
      }
      if (status >= 400 && status < 500 && status !== 429) {
        this.run.rejected.push({ action, status, code: json?.error?.code });
        return null;
      }
      if (attempt > 0) this.run.retriedPosts++;
      if (Date.now() > deadline) throw new Error(`${action} by ${this.email} was never accepted (last status ${status})`);
      await sleep(Math.min(2000, 100 * 2 ** Math.min(attempt, 5)));
    }
  }

  /** The task's final state, polling GET /api/v1/tasks/:id; null if it is not final within `ms`. */
  async result(id: number, ms = 60_000): Promise<{ status: string; result?: any; error?: any } | null> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      try {
        const res = await fetch(`${this.run.url}/api/v1/tasks/${id}`, { headers: { authorization: `Bearer ${this.token}` }, signal: AbortSignal.timeout(10_000) });
        if (res.status === 200) {
          const { task } = (await res.json()) as any;
          if (FINAL.includes(task.status)) return task;
        }
      } catch {
        /* web restarting */
      }
      await sleep(500);
    }
    return null;
  }

  /** Submits and waits for the final state (for flows whose next step needs the result). */
  async call(action: string, data: unknown): Promise<{ status: string; result?: any; error?: any } | null> {
    const t = await this.submit(action, data, 5000);
    if (!t) return null;
    return FINAL.includes(t.status) ? t : this.result(t.id);
  }
}

/** What every flow can see: the run, the customers of each tenant. */
export interface StormRun {
  id: string;
  url: string;
  posted: number;
  /** Idempotency keys handed out (one per logical action). */
  keys: number;
  retriedPosts: number;
  accepted: Accepted[];
  rejected: { action: string; status: number; code?: string }[];
  customers: Record<string, number[]>;
  /** The SMTP server invitation emails go to, when invitations are in the mix. */
  sink: SmtpSink | null;
}

/** One kind of client behaviour: who does it, how often, and what it posts. */
export interface Flow {
  name: string;
  /** Demo users (local part, e.g. `compliance2`) who run it, in both tenants. */
  users: string[];
  weight: number;
  /** Tenants (slugs) its users belong to; the backoffice tenants (those with customers) unless given. */
  tenants?: string[];
  /** Runs once before the load (looks things up, logs in helpers). */
  setup?(ctx: { db: pg.Pool; run: StormRun; login(email: string): Promise<string> }): Promise<void>;
  step(c: Client, rnd: () => number): Promise<void>;
}

/** Counts, from the domain tables, the effects of one action's tasks. */
export interface EffectCheck {
  action: string;
  count(db: pg.Pool, tasks: { id: number; status: string; result: any }[], run: StormRun): Promise<{ effects: number; duplicates: number; lost: number; resent?: number }>;
}

const pick = <T>(xs: readonly T[], rnd: () => number): T => xs[Math.floor(rnd() * xs.length)]!;

/** Creates (admin), take + review or escalate (compliance), take + respond or escalate (service). */
export function defaultFlows(): Flow[] {
  return [
    {
      name: 'create',
      users: ['admin'],
      weight: 4,
      async step(c, rnd) {
        const cid = pick(c.run.customers[c.tenant]!, rnd);
        const level = rnd() < 0.7 ? 1 : 2;
        const r = rnd();
        if (r < 0.2) await c.submit('create_customer', { name: `storm-${c.run.id}-${c.run.keys}` });
        else if (r < 0.55) await c.submit('create_transfer', { cid, amount: `${1 + Math.floor(rnd() * 99999)}.${String(Math.floor(rnd() * 100)).padStart(2, '0')}`, level });
        else if (r < 0.85) await c.submit('create_document', { cid, content: `storm document ${Math.floor(rnd() * 1e9)}`, level });
        else await c.submit('create_inquiry', { cid, problem: `storm inquiry ${Math.floor(rnd() * 1e9)}`, level });
      },
    },
    {
      name: 'review',
      users: ['compliance1', 'compliance2', 'compliance3'],
      weight: 2,
      async step(c, rnd) {
        const type = rnd() < 0.5 ? 'transfer' : 'document';
        const taken = await c.call('get_task', { type });
        if (taken?.status !== 'succeeded') return void (await sleep(200));
        const item = taken.result;
        if (rnd() < 0.2 && item.level < 3) await c.submit('escalate_task', { id: item.id, type, level: item.level + 1, reason: 'storm' });
        else await c.submit(`review_${type}`, { id: item.id, approved: rnd() < 0.7, ...(rnd() < 0.3 ? { reason: 'storm' } : {}) });
      },
    },
    {
      name: 'respond',
      users: ['service1', 'service2', 'service3'],
      weight: 1,
      async step(c, rnd) {
        const taken = await c.call('get_task', { type: 'inquiry' });
        if (taken?.status !== 'succeeded') return void (await sleep(200));
        const item = taken.result;
        if (rnd() < 0.2 && item.level < 3) await c.submit('escalate_task', { id: item.id, type: 'inquiry', level: item.level + 1, reason: 'storm' });
        else await c.submit('respond_inquiry', { id: item.id, answer: 'storm answer', closed: rnd() < 0.5 });
      },
    },
  ];
}

/** Admins invite new people: each succeeded invite_user must put exactly one email in the SMTP sink. */
export const inviteFlow: Flow = {
  name: 'invite',
  users: ['admin'],
  weight: 1,
  async step(c, rnd) {
    const n = c.run.keys;
    await c.submit('invite_user', { email: `storm-${c.run.id}-${n}@example.test`, role: rnd() < 0.5 ? 'service' : 'compliance', level: 1, first_name: 'Storm', last_name: `N${n}` });
  },
};

/**
 * One email per succeeded invite_user, counted at the SMTP sink by Message-ID. A mail worker killed after
 * the SMTP server took the message but before its commit sends it again with the same Message-ID (the
 * same email, which mail clients show once): counted apart as `resent`, not as a second email.
 */
export const inviteCheck: EffectCheck = {
  action: 'invite_user',
  async count(_db, tasks, run) {
    const mine = (run.sink?.messages ?? []).filter((m) => m.to.includes(`storm-${run.id}-`));
    const sentFor = new Map<string, Set<string>>();
    for (const t of tasks) if (t.status === 'succeeded' && t.result?.email) sentFor.set(t.result.email, new Set());
    let stray = 0;
    for (const m of mine) {
      const email = [...sentFor.keys()].find((e) => m.to.includes(e));
      if (email) sentFor.get(email)!.add(m.messageId);
      else stray++;
    }
    const ids = [...sentFor.values()];
    return {
      effects: ids.reduce((n, s) => n + s.size, 0),
      duplicates: stray + ids.reduce((n, s) => n + Math.max(0, s.size - 1), 0),
      lost: ids.filter((s) => s.size === 0).length,
      resent: mine.length - stray - ids.reduce((n, s) => n + s.size, 0),
    };
  },
};

/** Each state-machine action fires exactly one event: one `entity_event` row per succeeded task, none for a failed one. */
function eventCheck(action: string): EffectCheck {
  return {
    action,
    async count(db, tasks) {
      const ids = tasks.map((t) => t.id);
      const { rows } = await db.query(`select t.id, t.status, count(e.id)::int as n from task t left join entity_event e on e.task_id = t.id where t.id = any($1) group by t.id, t.status`, [ids]);
      return tallyOnce(rows);
    },
  };
}

/**
 * Counts effects that must happen exactly once per succeeded task: `n` is the
 * task's own effect rows, `any` every row it left (default `n`). A succeeded
 * task with none is lost, one with more is duplicated; a failed task must
 * leave nothing.
 */
export function tallyOnce(rows: readonly { status: string; n: number; any?: number }[]): { effects: number; duplicates: number; lost: number } {
  let effects = 0;
  let duplicates = 0;
  let lost = 0;
  for (const r of rows) {
    effects += r.n;
    if (r.status === 'succeeded') {
      duplicates += Math.max(0, r.n - 1);
      if (r.n === 0) lost++;
    } else duplicates += r.any ?? r.n;
  }
  return { effects, duplicates, lost };
}

/** A create also leaves exactly one row in its table, made by that task (checked through its create event). */
function createCheck(action: string, table: string): EffectCheck {
  const events = eventCheck(action);
  return {
    action,
    async count(db, tasks, run) {
      const base = await events.count(db, tasks, run);
      const ok = tasks.filter((t) => t.status === 'succeeded').map((t) => t.id);
      const { rows } = await db.query(
        `select count(*)::int as n, count(distinct x.id)::int as d from ${table} x join entity_event e on e.entity_type = $2 and e.entity_id = x.id and e.event = 'create' where e.task_id = any($1)`,
        [ok, table],
      );
      return { effects: rows[0].n, duplicates: base.duplicates + rows[0].n - rows[0].d, lost: base.lost + Math.max(0, ok.length - rows[0].d) };
    },
  };
}

/** Customers have no history: one row per succeeded task, by the unique name each task carries. */
const customerCheck: EffectCheck = {
  action: 'create_customer',
  async count(db, tasks, run) {
    const ok = tasks.filter((t) => t.status === 'succeeded');
    const { rows } = await db.query(`select count(*)::int as n, count(distinct name)::int as d from customer where name like $1`, [`storm-${run.id}-%`]);
    const { rows: found } = await db.query(`select count(*)::int as n from customer where id = any($1)`, [ok.map((t) => t.result?.id).filter(Boolean)]);
    return { effects: rows[0].n, duplicates: rows[0].n - rows[0].d + Math.max(0, rows[0].d - ok.length), lost: ok.length - found[0].n };
  },
};

export function defaultChecks(): EffectCheck[] {
  return [
    customerCheck,
    createCheck('create_transfer', 'transfer'),
    createCheck('create_document', 'document'),
    createCheck('create_inquiry', 'inquiry'),
    ...['get_task', 'review_transfer', 'review_document', 'escalate_task', 'respond_inquiry'].map(eventCheck),
  ];
}

export interface StormReport {
  backend: string;
  posted: number;
  accepted: number;
  rejected: number;
  retriedPosts: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  unfinished: number;
  /** User tasks in the database that no client saw accepted (the reply was lost): they must finish too. */
  unacknowledged: number;
  failedCodes: Record<string, number>;
  perAction: { action: string; tasks: number; succeeded: number; failed: number; effects: number; duplicates: number; lost: number; resent?: number }[];
  duplicates: number;
  lost: number;
  chaos: string[];
  /** System tasks the actions made (invitation sends, SLA timers), by action and status. */
  followUps: string;
  /** Tasks the reconciler found without a job and put back on their queue. */
  reconciled: number;
  /**
   * What `reconciled` should be close to (and not above): the tasks a worker could still start, past the
   * outbox, when Redis was flushed (their jobs all went); 0 for a storm with no flush. A Redis SIGKILL can
   * add the jobs of its AOF's last second, a job that failed for good without finishing its task one more.
   */
  reconcileExpected: number;
  loadMs: number;
  settleMs: number;
  /** Rules checked over the database after the storm (storm-domains.ts), each `name: ok` or `name: what is wrong`. */
  invariants: string[];
  /** Nothing went wrong. */
  ok: boolean;
  problems: string[];
}

export async function runStorm(opts: StormOptions, extra: { flows?: Flow[]; checks?: EffectCheck[]; env?: NodeJS.ProcessEnv } = {}): Promise<StormReport> {
  const log = opts.log ?? (() => undefined);
  const flows = [...(extra.flows ?? opts.flows ?? defaultFlows())];
  const checks = [...(extra.checks ?? defaultChecks())];
  const t0 = Date.now();
  const chaos: string[] = [];
  const note = (what: string) => {
    const line = `+${((Date.now() - t0) / 1000).toFixed(1)}s ${what}`;
    chaos.push(line);
    log(line);
  };

  let db: OwnPostgres | null = null;
  let redis: OwnRedis | null = null;
  const procs = new Map<string, Proc>();
  let stopping = false;
  let pool: pg.Pool | null = null;
  let sink: SmtpSink | null = null;
  try {
    // Every process holds up to 16 ORM connections, and on the PostgreSQL backend BullMQ's pools and LISTENs on top.
    db = await startOwnPostgres('bureau', { maxConnections: 400 });
    if (opts.backend === 'redis') redis = await startOwnRedis();
    const port = await pickFreePort();
    const url = `http://127.0.0.1:${port}`;
    const invitations = opts.invitations ?? buildRegistry().get('invite_user') !== undefined;
    if (invitations) {
      sink = new SmtpSink();
      await sink.up();
      flows.push(inviteFlow);
      checks.push(inviteCheck);
    }
    const registry = buildRegistry();
    const parts = opts.domains === false ? { flows: [], checks: [], invariants: [] as StormInvariant[] } : domainStormParts((a) => registry.get(a) !== undefined);
    flows.push(...parts.flows);
    checks.push(...parts.checks);
    const env = procEnv(
      { databaseUrl: db.url, redisUrl: redis?.url ?? '', prefix: 'storm', port, queueBackend: opts.backend },
      { RECONCILE_INTERVAL_MS: '2000', RECONCILE_GRACE_MS: '5000', WORKER_CONCURRENCY: '16', JOB_BACKOFF_MS: '500', ...(sink ? { SMTP_URL: sink.url, INVITE_RATE_LIMIT: '1000000' } : {}), ...extra.env },
    );
    await releaseWithDemo(env);
    note(`PostgreSQL on :${db.port}${redis ? `, Redis on :${redis.port} (appendonly yes)` : ', queues on BullMQ\'s PostgreSQL backend, no Redis'}`);
    // Like a process supervisor: a process that dies on its own is noted (a defect) and started again.
    const expected = new Set<Proc>();
    const crashes: string[] = [];
    // The system worker logs at warn, so the reconciler's re-enqueues can be counted.
    let requeued = 0;
    const onLine = (line: string) => {
      if (!line.startsWith('{')) return false;
      try {
        const entry = JSON.parse(line) as { level: number; msg: string; count?: number };
        if (entry.msg.startsWith('reconciler re-enqueued')) requeued += entry.count ?? 0;
        return entry.level < 50 && !process.env.CHAOS_DEBUG;
      } catch {
        return false;
      }
    };
    const start = (name: string) => {
      // CHAOS_DEBUG=1: every process logs at warn and its lines come through, marked (why a task retried, and so on).
      const proc = name === 'system' || process.env.CHAOS_DEBUG ? spawnProc(name, { ...env, LOG_LEVEL: 'warn' }, { onLine }) : spawnProc(name, env);
      procs.set(name, proc);
      void proc.exited.then(({ code, signal }) => {
        if (expected.has(proc) || stopping) return;
        crashes.push(`${name} exited on its own (${code ?? signal})`);
        note(`${name} exited on its own (${code ?? signal}); restarting it`);
        setTimeout(() => !stopping && start(name), 1000);
      });
    };
    const expect = (name: string) => {
      const proc = procs.get(name)!;
      expected.add(proc);
      return proc;
    };
    for (const name of ['web', ...WORKERS]) start(name);
    await waitForPing(url);

    pool = new pg.Pool({ connectionString: db.url, max: 4 });
    pool.on('error', () => undefined);
    const { rows: cust } = await pool.query(`select t.slug, array_agg(c.id order by c.id) as ids from customer c join tenant t on t.id = c.tenant_id group by t.slug`);
    const run: StormRun = { id: randomBytes(3).toString('hex'), url, posted: 0, keys: 0, retriedPosts: 0, accepted: [], rejected: [], customers: Object.fromEntries(cust.map((r) => [r.slug, r.ids])), sink };
    const tenants = Object.keys(run.customers);
    const { rows: maxRow } = await pool.query(`select coalesce(max(id), 0)::int as id from task`);
    const firstTask = maxRow[0].id + 1;

    // Clients: opts.clients of them spread over the flows by weight, users in both tenants.
    const login = async (email: string) => {
      const res = await fetch(`${url}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ task: { action: 'login', data: { name: email, password: DEMO_PASSWORD } } }) });
      const body = (await res.json()) as any;
      if (res.status !== 200) throw new Error(`login ${email}: ${res.status} ${JSON.stringify(body)}`);
      return body.token as string;
    };
    for (const f of flows) await f.setup?.({ db: pool, run, login });
    const totalWeight = flows.reduce((s, f) => s + f.weight, 0);
    const clients: { c: Client; flow: Flow }[] = [];
    const tokens = new Map<string, string>();
    for (let i = 0; i < opts.clients; i++) {
      let w = ((i + 0.5) / opts.clients) * totalWeight;
      const flow = flows.find((f) => (w -= f.weight) < 0) ?? flows[0]!;
      const tenant = flow.tenants ? flow.tenants[i % flow.tenants.length]! : tenants[i % tenants.length]!;
      const email = `${flow.users[Math.floor(i / tenants.length) % flow.users.length]}@${tenant}.test`;
      if (!tokens.has(email)) tokens.set(email, await login(email));
      clients.push({ c: new Client(run, email, tokens.get(email)!, tenant), flow });
    }

    // Chaos, driven by progress so each blow lands during the load however fast the machine is.
    let loadDone = false;
    let workerKills = 0;
    let unfinishedAtFlush = 0;
    const strikes: { at: number | null; what: string; fn: () => Promise<void> }[] = [
      {
        at: opts.redisKillAt,
        what: 'Redis SIGKILLed',
        fn: async () => {
          await redis!.killAndRestart(1000);
          note('Redis restarted on the same port and AOF');
        },
      },
      {
        at: opts.redisFlushAt ?? null,
        what: 'Redis FLUSHALL (every job gone)',
        fn: async () => {
          const { Redis } = await import('ioredis');
          const r = new Redis(redis!.url);
          // The tasks whose jobs this flush takes away: the reconciler's count should come close to it.
          const { rows } = await pool!
            .query(`select count(*)::int as n from task t where t.status in ('queued', 'running') and not exists (select 1 from outbox o where o.task_id = t.id)`)
            .catch(() => ({ rows: [{ n: 0 }] }));
          unfinishedAtFlush += rows[0].n;
          await r.flushall();
          r.disconnect();
        },
      },
      {
        at: opts.pgRestartAt,
        what: 'PostgreSQL stopped in immediate mode (SIGQUIT)',
        fn: async () => {
          await db!.restartImmediate();
          note('PostgreSQL restarted (crash recovery)');
        },
      },
      {
        at: opts.webRestartAt,
        what: 'web SIGTERMed',
        fn: async () => {
          const exit = await expect('web').stop();
          note(`web exited (${exit.code ?? exit.signal}); restarting`);
          start('web');
        },
      },
    ];
    const pending = strikes.filter((s) => s.at !== null).sort((a, b) => a.at! - b.at!);
    const chaosLoop = (async () => {
      while (!loadDone && pending.length) {
        const next = pending[0]!;
        if (run.posted >= next.at! * opts.actions) {
          pending.shift();
          note(`${next.what} at ${run.posted} actions`);
          await next.fn();
        } else await sleep(100);
      }
    })();
    const killLoop = (async () => {
      if (!opts.workerKillEveryMs) return;
      let i = 0;
      await sleep(Math.min(opts.workerKillEveryMs, 1000));
      while (!loadDone && workerKills < (opts.maxWorkerKills ?? Infinity)) {
        const kind = WORKERS[i++ % WORKERS.length]!;
        const proc = expect(kind);
        proc.signal('SIGKILL');
        await proc.exited;
        start(kind);
        workerKills++;
        if (opts.maxWorkerKills !== undefined && opts.maxWorkerKills <= 5) note(`${kind} worker SIGKILLed and restarted`);
        await sleep(opts.workerKillEveryMs);
      }
    })();

    // mulberry32: seeded, so two runs make the same mix.
    let seed = 0x5eed;
    const rnd = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const loadStart = Date.now();
    let failure: unknown = null;
    await Promise.all(
      clients.map(async ({ c, flow }) => {
        while (run.posted < opts.actions && !failure) {
          await flow.step(c, rnd).catch((err) => (failure ??= err));
        }
      }),
    );
    const loadMs = Date.now() - loadStart;
    note(`load done: ${run.posted} actions posted, ${run.accepted.length} accepted`);
    loadDone = true;
    await chaosLoop;
    await killLoop;
    if (workerKills) note(`${workerKills} worker SIGKILLs in all`);
    if (failure) throw failure;
    // Strikes the load outran (it ended first) still happen, so the run always has its blows.
    for (const s of pending) {
      note(`${s.what} (after the load)`);
      await s.fn();
    }

    // Settle: every accepted task reaches a final state.
    const ids = run.accepted.map((a) => a.id);
    const settleStart = Date.now();
    let unfinished = ids.length;
    while (Date.now() - settleStart < opts.settleMs) {
      // The accepted tasks and every follow-up they made that is due (an invitation's send; not an SLA timer hours away).
      const { rows } = await pool
        .query(`select count(*)::int as n from task where (id = any($1) or (id >= $2 and (run_at is null or run_at <= now()))) and status not in ('succeeded', 'failed', 'cancelled')`, [ids, firstTask])
        .catch(() => ({ rows: [{ n: -1 }] }));
      unfinished = rows[0].n;
      if (unfinished === 0) break;
      await sleep(250);
    }
    const settleMs = Date.now() - settleStart;
    note(unfinished === 0 ? `every accepted task final ${(settleMs / 1000).toFixed(1)} s after the load` : `${unfinished} accepted tasks still unfinished after ${opts.settleMs} ms`);
    // Let the last outbox rows and results go before counting.
    await sleep(1000);

    const { rows: tasks } = await pool.query(`select id, action, status, result, error->>'code' as code from task where id = any($1)`, [ids]);
    const { rows: extraRows } = await pool.query(`select count(*)::int as n, count(*) filter (where status not in ('succeeded', 'failed', 'cancelled'))::int as open from task where id >= $1 and actor_id is not null and not (id = any($2))`, [firstTask, ids]);
    const { rows: follow } = await pool.query(`select action, status, count(*)::int as n from task where id >= $1 and actor_id is null group by 1, 2 order by 1, 2`, [firstTask]);
    const byAction = new Map<string, typeof tasks>();
    for (const t of tasks) byAction.set(t.action, [...(byAction.get(t.action) ?? []), t]);
    const failedCodes: Record<string, number> = {};
    for (const t of tasks) if (t.status === 'failed') failedCodes[`${t.action}:${t.code}`] = (failedCodes[`${t.action}:${t.code}`] ?? 0) + 1;
    const perAction: StormReport['perAction'] = [];
    const problems: string[] = [];
    for (const [action, list] of [...byAction].sort()) {
      const check = checks.find((c) => c.action === action);
      if (!check) {
        problems.push(`no effect check for ${action}`);
        continue;
      }
      const counted = await check.count(pool, list, run);
      perAction.push({ action, tasks: list.length, succeeded: list.filter((t) => t.status === 'succeeded').length, failed: list.filter((t) => t.status === 'failed').length, ...counted });
    }
    const invariants: string[] = [];
    for (const inv of parts.invariants) {
      const wrong = await inv.check(pool, run);
      invariants.push(`${inv.name}: ${wrong ?? 'holds'}`);
      if (wrong) problems.push(`${inv.name}: ${wrong}`);
    }
    const count = (s: string) => tasks.filter((t) => t.status === s).length;
    const report: StormReport = {
      backend: opts.backend,
      posted: run.posted,
      accepted: ids.length,
      rejected: run.rejected.length,
      retriedPosts: run.retriedPosts,
      succeeded: count('succeeded'),
      failed: count('failed'),
      cancelled: count('cancelled'),
      unfinished: unfinished + extraRows[0].open,
      unacknowledged: extraRows[0].n,
      failedCodes,
      perAction,
      duplicates: perAction.reduce((s, p) => s + p.duplicates, 0),
      lost: perAction.reduce((s, p) => s + p.lost, 0),
      chaos,
      reconciled: requeued,
      reconcileExpected: unfinishedAtFlush,
      followUps: follow.map((r) => `${r.action} ${r.status} ${r.n}`).join(', '),
      loadMs,
      settleMs,
      invariants,
      ok: false,
      problems,
    };
    problems.push(...crashes);
    if (report.accepted !== new Set(ids).size) problems.push('a task id was accepted twice');
    if (follow.some((r) => r.action === 'send_invitation' && r.status === 'failed')) problems.push('an invitation send failed');
    if (report.unfinished) problems.push(`${report.unfinished} tasks never reached a final state`);
    if (report.duplicates) problems.push(`${report.duplicates} duplicated effects`);
    if (report.lost) problems.push(`${report.lost} lost effects`);
    if (report.rejected) problems.push(`${report.rejected} posts refused: ${JSON.stringify(run.rejected.slice(0, 5))}`);
    const unexpected = Object.keys(failedCodes).filter((k) => /INTERNAL|UNAVAILABLE|VALIDATION|FORBIDDEN:/.test(k));
    if (unexpected.length) problems.push(`tasks failed by infrastructure, not rules: ${unexpected.map((k) => `${k}=${failedCodes[k]}`).join(', ')}`);
    report.ok = problems.length === 0;
    return report;
  } finally {
    stopping = true;
    await Promise.all([...procs.values()].map((p) => p.stop(20_000)));
    await pool?.end().catch(() => undefined);
    await redis?.stop().catch(() => undefined);
    await db?.stop().catch(() => undefined);
    await sink?.down();
  }
}

/** The storm's figures, one block of text. */
export function formatReport(r: StormReport): string {
  const lines = [
    `crash storm, queues on ${r.backend === 'redis' ? 'Redis' : 'BullMQ\'s PostgreSQL backend'}: ${r.ok ? 'PASS' : 'FAIL'}`,
    ...r.chaos.map((c) => `  ${c}`),
    `  posted ${r.posted}, accepted ${r.accepted} (posts retried ${r.retriedPosts}, refused ${r.rejected}), not acknowledged but recorded ${r.unacknowledged}`,
    `  succeeded ${r.succeeded}, failed ${r.failed} (rule refusals: ${Object.entries(r.failedCodes).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}), cancelled ${r.cancelled}, unfinished ${r.unfinished}`,
    `  follow-up system tasks: ${r.followUps || 'none'}${r.perAction.some((p) => p.action === 'invite_user') ? ' (emails counted at the SMTP sink)' : ''}`,
    `  ${'action'.padEnd(16)} ${'tasks'.padStart(6)} ${'succeeded'.padStart(9)} ${'failed'.padStart(6)} ${'effects'.padStart(7)} ${'dup'.padStart(4)} ${'lost'.padStart(4)}`,
    ...r.perAction.map((p) => `  ${p.action.padEnd(16)} ${String(p.tasks).padStart(6)} ${String(p.succeeded).padStart(9)} ${String(p.failed).padStart(6)} ${String(p.effects).padStart(7)} ${String(p.duplicates).padStart(4)} ${String(p.lost).padStart(4)}${p.resent ? `  (${p.resent} resent with the same Message-ID after a crash)` : ''}`),
    ...r.invariants.map((i) => `  rule ${i}`),
    `  re-enqueued by the reconciler ${r.reconciled} (should be close to, not above, ${r.reconcileExpected}: ${r.reconcileExpected ? 'tasks unfinished when Redis was flushed' : 'no flush in this storm'}); duplicates ${r.duplicates}, lost ${r.lost}; load ${(r.loadMs / 1000).toFixed(1)} s, settled ${(r.settleMs / 1000).toFixed(1)} s after it`,
    ...r.problems.map((p) => `  PROBLEM: ${p}`),
  ];
  return lines.join('\n');
}
