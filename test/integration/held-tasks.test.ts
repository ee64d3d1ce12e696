import assert from 'node:assert/strict';
import { startTestBureau, type TestBureau } from '../helpers/bureau.js';
import { procEnv, spawnProc, until, type Proc } from '../helpers/procs.js';

/** Worker slots of the admin queue in these tests: two tenants with work get 4 each (a light one has at most 2). */
const SLOTS = 8;
const fairness = (activeSlots: number) => ({ tenantMaxBacklog: 5000, tenantMaxBacklogByKind: {}, tenantPriority: true, activeSlots });

/** Helpers over one test bureau: post create_customer, read held outbox rows, count unfinished tasks. */
function on(b: TestBureau) {
  return {
    async create(token: string, name: string): Promise<number> {
      const r = await b.post({ token, task: { action: 'create_customer', data: { name } } });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      return r.body.task.id as number;
    },
    async held(ids: number[]): Promise<number[]> {
      const { rows } = await b.db.query('select task_id from outbox where held_for is not null and task_id = any($1) order by task_id', [ids]);
      return rows.map((r) => Number(r.task_id));
    },
    async unfinished(ids: number[]): Promise<number> {
      return (await b.db.query(`select count(*)::int as n from task where id = any($1) and status not in ('succeeded', 'failed', 'cancelled')`, [ids])).rows[0].n as number;
    },
    /** Makes every create_customer wait (its insert) until the returned function is called. */
    async blockCustomers(): Promise<() => Promise<void>> {
      const c = await b.db.connect();
      await c.query('begin');
      await c.query('lock table customer in exclusive mode');
      return async () => {
        await c.query('rollback');
        c.release();
      };
    },
  };
}

describe('tasks held past a tenant\'s share of the worker slots (TENANT_ACTIVE_SLOTS)', () => {
  let b: TestBureau;
  let t: ReturnType<typeof on>;
  let acme: string;
  let globex: string;
  before(async () => {
    b = await startTestBureau({ config: { workerConcurrency: SLOTS, backlogRefreshMs: 50, fairness: fairness(SLOTS) } });
    t = on(b);
    acme = await b.login('admin@acme.test');
    globex = await b.login('admin@globex.test');
  });
  after(() => b.close());

  it('holds a flooding tenant\'s tasks past its share once another tenant has work, and starts the other tenant\'s tasks first', async () => {
    await b.stopWorkers();
    const early: number[] = [];
    const late: number[] = [];
    const light: number[] = [];
    try {
      for (let i = 0; i < 6; i++) early.push(await t.create(acme, `Held early ${i}`));
      assert.deepEqual(await t.held(early), [], 'a tenant alone on the queue is never held');
      light.push(await t.create(globex, 'Held light 0'));
      for (let i = 0; i < 6; i++) late.push(await t.create(acme, `Held late ${i}`));
      light.push(await t.create(globex, 'Held light 1'));
      assert.deepEqual(await t.held(late), late, 'the flooding tenant already has more than its share in the queue');
      assert.deepEqual(await t.held(light), [], 'the light tenant is within its share');
    } finally {
      await b.startWorkers();
    }
    const all = [...early, ...late, ...light];
    await until(async () => (await t.unfinished(all)) === 0, 20_000, 'every task to finish');
    const queue = b.rt.queues.queue('admin');
    const startedAt = async (ids: number[]) => Promise.all(ids.map(async (id) => (await queue.getJob(`t-${id}`))!.processedOn!));
    const lightLast = Math.max(...(await startedAt(light)));
    const heldFirst = Math.min(...(await startedAt(late)));
    assert.ok(lightLast <= heldFirst, `the light tenant's last task started at ${lightLast}, the first held one at ${heldFirst}`);
    const { rows } = await b.db.query(`select count(*)::int as n, count(distinct name)::int as d from customer where name like 'Held %'`);
    assert.deepEqual(rows[0], { n: all.length, d: all.length }, 'each task ran once');
    assert.deepEqual(await t.held(all), []);
  });

  it('releases a tenant\'s held tasks once it is alone on the queue, which then fills every worker slot', async () => {
    await b.stopWorkers();
    const flood: number[] = [];
    let unblock: (() => Promise<void>) | null = null;
    try {
      const light = await t.create(globex, 'Alone light');
      for (let i = 0; i < 12; i++) flood.push(await t.create(acme, `Alone flood ${i}`));
      assert.equal((await t.held(flood)).length, 12 - SLOTS / 2, 'all but its share of the slots held');
      // The other tenant's only task goes (cancelled): the flooding tenant is alone, and no worker has finished anything.
      assert.equal((await b.post({ token: globex, task: { action: 'cancel_task', data: { id: light } } })).status, 200);
      await until(async () => (await t.held(flood)).length === 0, 10_000, 'the lone tenant\'s held tasks to be released');
      unblock = await t.blockCustomers();
    } finally {
      await b.startWorkers();
    }
    try {
      const queue = b.rt.queues.queue('admin');
      await until(async () => (await queue.getActiveCount()) === SLOTS, 10_000, `${SLOTS} of the lone tenant's tasks running at once`);
    } finally {
      await unblock?.();
    }
    await until(async () => (await t.unfinished(flood)) === 0, 20_000, 'the flood to finish');
  });
});

describe('held tasks and a worker process killed mid-run', () => {
  let b: TestBureau;
  before(async () => {
    // Admin work goes to child processes; this one runs the web process, the system queue and the other kinds.
    b = await startTestBureau({ workers: ['compliance', 'service', 'system'], config: { jobLockMs: 2000, stalledIntervalMs: 1000, backlogRefreshMs: 50, fairness: fairness(8) } });
  });
  after(() => b.close());

  const spawnAdminWorker = (): Proc =>
    spawnProc('admin', procEnv({ databaseUrl: b.config.databaseUrl, redisUrl: b.config.redisUrl, prefix: b.config.queuePrefix }, { JOB_LOCK_MS: '2000', STALLED_INTERVAL_MS: '1000', WORKER_CONCURRENCY: '8', TENANT_ACTIVE_SLOTS: '8', LOG_LEVEL: 'warn' }));

  it('loses no task and runs none twice', async function () {
    this.timeout(120_000);
    const t = on(b);
    const acme = await b.login('admin@acme.test');
    const globex = await b.login('admin@globex.test');
    const ids: number[] = [];
    // The light tenant: two lanes, each posting its next task once the last one finished, all along.
    let stop = false;
    const lane = async (l: number) => {
      for (let i = 0; !stop; i++) {
        const id = await t.create(globex, `kill-b${l}-${i}`);
        ids.push(id);
        while (!stop && (await t.unfinished([id])) > 0) await new Promise((r) => setTimeout(r, 50));
      }
    };
    const light = [lane(0), lane(1)];
    await until(async () => ids.length >= 2, 10_000, 'the light tenant to have work');
    for (let i = 0; i < 10; i++) ids.push(...(await Promise.all(Array.from({ length: 40 }, (_, j) => t.create(acme, `kill-a-${i * 40 + j}`)))));
    assert.ok((await t.held(ids)).length > 350, 'the flooding tenant is held to its share (4 of the 8 slots)');
    const done = async () => ids.length - (await t.unfinished(ids));

    const first = spawnAdminWorker();
    await until(async () => (await done()) >= 120, 60_000, 'the first worker to make progress');
    first.signal('SIGKILL');
    await first.exited;
    assert.ok((await t.held(ids)).length > 0, 'tasks were still held when the worker was killed');

    const second = spawnAdminWorker();
    try {
      await until(async () => (await t.held(ids)).length === 0, 90_000, 'every held task to be released');
      stop = true;
      await Promise.all(light);
      await until(async () => (await done()) === ids.length, 90_000, 'every task to finish after the restart');
    } finally {
      stop = true;
      await second.stop();
    }
    const statuses = (await b.db.query(`select status, count(*)::int as n from task where id = any($1) group by status`, [ids])).rows;
    assert.deepEqual(statuses, [{ status: 'succeeded', n: ids.length }]);
    const customers = (await b.db.query(`select count(*)::int as n, count(distinct name)::int as d from customer where name like 'kill-%'`)).rows[0];
    assert.deepEqual(customers, { n: ids.length, d: ids.length }, 'one customer per task, none twice');
    const outbox = (await b.db.query('select count(*)::int as n from outbox where task_id = any($1)', [ids])).rows[0];
    assert.equal(outbox.n, 0, 'no row left in the outbox, held or not');
  });
});
