/**
 * Node CPU per action of bureau's hot paths, measured in this process with
 * `process.cpuUsage()` while variants take turns in short slices (A, B, A, B...),
 * so a busy machine weighs on every variant alike. Not a benchmark of bureau as
 * deployed (that is `npm run bench`): a way to tell a 5% change in one process's
 * CPU from the machine's noise.
 *
 *   VARIANTS=uow,sql node --import tsx bench/tools/hot-paths.ts worker [SLICES=8] [TASKS=600]
 *   VARIANTS=a,a+noals,b node --import tsx bench/tools/hot-paths.ts web [SLICES] [REQUESTS]
 *
 * Two variants that are the same code (`a`, `b`) show the noise: their median
 * ratio was within 0.93-1.07 on the busy machine.
 *
 * `worker`: `runTask` of create_customer jobs (with their task copy, as the door
 * writes them) at 16 in flight, against the test services (test/helpers); the
 * feed bus and the outbox are stubs, so only the worker's own CPU is counted.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { TransactionContext } from '@mikro-orm/core';
import { defineAction, type ActionDefinition } from '../../src/core/define-action.js';
import { Registry } from '../../src/core/registry.js';
import { domains } from '../../src/domains.js';
import { Customer } from '../../src/domains/backoffice/entities.js';
import { runTask, type WorkerDeps } from '../../src/pipeline/run-task.js';
import { startTestBureau } from '../../test/helpers/bureau.js';

/**
 * Every AsyncLocalStorage that turns its hooks on (MikroORM's), so a variant
 * flagged `noals` can measure the process with them off again (Node 20: once on,
 * they stay on until every storage is disabled).
 */
const storages = new Set<AsyncLocalStorage<unknown>>();
const proto = AsyncLocalStorage.prototype as unknown as { _enable(this: AsyncLocalStorage<unknown>): void };
const enable = proto._enable;
proto._enable = function (this: AsyncLocalStorage<unknown>) {
  storages.add(this);
  enable.call(this);
};
// The one the web process turns on in production (the outbox relay's transaction, every second).
storages.add((TransactionContext as unknown as { storage: AsyncLocalStorage<unknown> }).storage);
function hooks(on: boolean): void {
  for (const s of storages) {
    if (on) s.run(Symbol('on'), () => undefined);
    else s.disable();
  }
}

const [what = 'worker', slicesArg = '8', tasksArg = '600', only] = process.argv.slice(2);
const SLICES = Number(slicesArg);
const TASKS = Number(tasksArg);
const IN_FLIGHT = 16;

type Handler = NonNullable<Extract<ActionDefinition, { mode: 'queued' }>['handler']>;
const handlers: Record<string, Handler> = {
  uow: async (input: { name: string }, ctx) => {
    const customer = ctx.em.create(Customer, { tenantId: ctx.tenantId, name: input.name, createdBy: ctx.actor.kind === 'user' ? ctx.actor.id : null });
    await ctx.em.flush();
    return { id: customer.id, name: customer.name };
  },
  insert: async (input: { name: string }, ctx) => {
    const id = await ctx.em.insert(Customer, { tenantId: ctx.tenantId, name: input.name, createdBy: ctx.actor.kind === 'user' ? ctx.actor.id : null, createdAt: ctx.now() });
    return { id, name: input.name };
  },
  sql: async (input: { name: string }, ctx) => {
    const [row] = await ctx.sql<{ id: number }>('insert into customer (tenant_id, name, created_by, created_at) values (?, ?, ?, ?) returning id', [ctx.tenantId, input.name, ctx.actor.kind === 'user' ? ctx.actor.id : null, ctx.now()]);
    return { id: row!.id, name: input.name };
  },
};

function registryWith(handler: Handler): Registry {
  const base = domains.registry.list().find((a) => a.name === 'create_customer')!;
  const def = defineAction({ ...(base as object), handler } as never) as ActionDefinition;
  return new Registry([...domains.registry.list().filter((a) => a.name !== 'create_customer'), def] as ActionDefinition[], (role) => domains.queueOfRole(role), domains.systemKind);
}

/**
 * Variants from VARIANTS (default `uow,sql`): `name+flag...`. The worker path
 * runs create_customer with the handler `name` (uow, insert, sql); the web path
 * ignores the name. Flag `noals`: MikroORM's AsyncLocalStorage hooks off during
 * the variant's slices (on for the others), the outbox relay stopped for all.
 */
const VARIANTS: Record<string, { handler: string; flags?: Record<string, unknown> }> = Object.fromEntries(
  (process.env.VARIANTS ?? 'uow,sql').split(',').map((v) => {
    const [handler, ...flags] = v.split('+');
    return [v, { handler: handler!, flags: Object.fromEntries(flags.map((f) => [f, true])) }];
  }),
);

async function workerPaths(): Promise<void> {
  const b = await startTestBureau({ workers: [], config: { maxBacklog: 0 } });
  try {
    const { rows: [actor] } = await b.db.query(`select id, tenant_id, role, level, email, status from app_user where email = 'admin@acme.test'`);
    const results: Record<string, number[]> = {};
    const registries = Object.fromEntries(Object.entries(VARIANTS).map(([name, v]) => [name, registryWith(handlers[v.handler]!)]));
    const silent = b.rt.log;
    if (Object.values(VARIANTS).some((v) => v.flags?.noals)) await b.rt.outbox.stop();
    for (let s = 0; s < SLICES + 1; s++) {
      for (const [name, v] of Object.entries(VARIANTS)) {
        hooks(!v.flags?.noals);
        const deps: WorkerDeps = {
          orm: b.rt.orm,
          config: b.config,
          log: silent,
          registry: registries[name]!,
          bus: { publish: async () => undefined } as unknown as WorkerDeps['bus'],
          feed: b.rt.feed,
          outbox: { dispatchSoon: () => undefined } as unknown as WorkerDeps['outbox'],
          now: () => new Date(),
          metrics: b.rt.metrics,
        };
        const { rows } = await b.db.query<{ id: number; input: { name: string } }>(
          `insert into task (tenant_id, actor_id, action, queue, input, status)
           select $1, $2, 'create_customer', 'admin', jsonb_build_object('name', 'cpu ' || g), 'queued' from generate_series(1, $3) g returning id, input`,
          [actor.tenant_id, actor.id, TASKS],
        );
        let next = 0;
        const q0 = (globalThis as { __queries?: number }).__queries ?? 0;
        const t0 = process.cpuUsage();
        await Promise.all(
          Array.from({ length: IN_FLIGHT }, async () => {
            while (next < rows.length) {
              const r = rows[next++]!;
              const copy = { tenant_id: actor.tenant_id, actor_id: actor.id, action: 'create_customer', input: r.input, actor: { ...actor } };
              await runTask(deps, { data: { taskId: r.id, copy }, attemptsMade: 0, opts: { attempts: 3 }, timestamp: Date.now() });
            }
          }),
        );
        const used = process.cpuUsage(t0);
        const { rows: [done] } = await b.db.query(`select count(*) filter (where status = 'succeeded')::int as ok, count(*)::int as n from task where id = any($1::bigint[])`, [rows.map((r) => r.id)]);
        if (process.env.COUNT_QUERIES) console.log(name, 'queries per task', (((globalThis as { __queries?: number }).__queries ?? 0) - q0) / rows.length);
        if (done.ok !== done.n) throw new Error(`${name}: ${done.n - done.ok} of ${done.n} tasks did not succeed`);
        // The first round warms the JIT: not counted.
        if (s > 0) (results[name] ??= []).push((used.user + used.system) / rows.length);
      }
    }
    report(results);
  } finally {
    await b.close();
  }
}

function report(results: Record<string, number[]>): void {
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const first = Object.keys(results)[0]!;
  for (const [name, xs] of Object.entries(results)) {
    const m = med(xs);
    const pairs = xs.map((x, i) => x / results[first]![i]!);
    console.log(`${name.padEnd(24)} median ${m.toFixed(0).padStart(5)} us/task  (slices ${xs.map((x) => x.toFixed(0)).join(' ')})  vs ${first}: median ratio ${med(pairs).toFixed(3)}`);
  }
}

/**
 * `web`: the door (POST /api/v1 create_customer, 202) of a web process in this
 * one, with no workers, driven by a child process (its CPU is not counted) at 32
 * requests in flight over 8 sessions.
 */
async function webPaths(): Promise<void> {
  const b = await startTestBureau({ workers: [], config: { maxBacklog: 1e9, outboxRelayIntervalMs: 1000, fairness: { tenantMaxBacklog: 1e9, tenantMaxBacklogByKind: {}, tenantPriority: true, activeSlots: 32 } } });
  const { fork } = await import('node:child_process');
  try {
    const tokens: string[] = [];
    for (let i = 0; i < 8; i++) tokens.push(await b.login('admin@acme.test'));
    // Its transactions would turn MikroORM's storages on again within a second.
    if (Object.values(VARIANTS).some((v) => v.flags?.noals)) await b.rt.outbox.stop();
    const driver = fork(new URL(import.meta.url).pathname, ['driver'], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
    const ask = (msg: object) => new Promise<{ errors: number }>((resolve) => { driver.once('message', resolve as never); driver.send(msg); });
    const results: Record<string, number[]> = {};
    for (let s = 0; s < SLICES + 1; s++) {
      for (const [name, v] of Object.entries(VARIANTS)) {
        hooks(!v.flags?.noals);
        const t0 = process.cpuUsage();
        const { errors } = await ask({ url: `${b.url}/api/v1`, tokens, n: TASKS });
        const used = process.cpuUsage(t0);
        if (errors) throw new Error(`${name}: ${errors} requests were not answered 202`);
        if (s > 0) (results[name] ??= []).push((used.user + used.system) / TASKS);
        // The same state for every slice: no queue growing behind the door.
        await new Promise((r) => setTimeout(r, 100));
        await b.rt.queues.queue('admin').drain();
        await b.db.query(`update task set status = 'succeeded' where status = 'queued' and action = 'create_customer'`);
      }
    }
    driver.kill();
    report(results);
  } finally {
    await b.close();
  }
}

async function driver(): Promise<void> {
  const http = await import('node:http');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const post = (url: string, body: string) =>
    new Promise<number>((resolve, reject) => {
      const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode !== 202 && !warned++) console.error(res.statusCode, Buffer.concat(chunks).toString());
          resolve(res.statusCode ?? 0);
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  let k = 0;
  let warned = 0;
  process.on('message', async (m: { url: string; tokens: string[]; n: number }) => {
    let left = m.n;
    let errors = 0;
    await Promise.all(
      Array.from({ length: 32 }, async (_, lane) => {
        while (left-- > 0) {
          const body = JSON.stringify({ token: m.tokens[lane % m.tokens.length], task: { action: 'create_customer', data: { name: `Customer ${k++}` } } });
          if ((await post(m.url, body)) !== 202) errors++;
        }
      }),
    );
    process.send!({ errors });
  });
}

if (what === 'worker') await workerPaths();
else if (what === 'web') await webPaths();
else if (what === 'driver') await driver();
else throw new Error(`unknown path ${what}${only ?? ''}`);
