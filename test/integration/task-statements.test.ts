import assert from 'node:assert/strict';
import type { EntityManager } from '@mikro-orm/postgresql';
import { finishTask } from '../../src/pipeline/finish-statements.js';
import { reconcile } from '../../src/pipeline/reconciler.js';
import { runTask, type WorkerDeps } from '../../src/pipeline/run-task.js';
import { taskMay, TASK_STATUSES, type TaskStatus } from '../../src/domains/tasks/machine.js';
import { startTestBureau, type TestBureau } from '../helpers/bureau.js';

/** Each statement that moves a task, tried on a task in every status: it moves exactly the ones the task machine allows. */
describe('the task statements follow the task machine', () => {
  let b: TestBureau;
  let deps: WorkerDeps;
  let adminId: number;
  before(async () => {
    b = await startTestBureau({ workers: [] });
    deps = { orm: b.rt.orm, config: b.config, log: b.rt.log, registry: b.rt.registry, bus: b.rt.bus, feed: b.rt.feed, outbox: b.rt.outbox, now: () => new Date() };
    adminId = (await b.db.query(`select id from app_user where email = 'admin@acme.test'`)).rows[0].id;
  });
  after(() => b.close());

  const em = () => b.rt.orm.em.fork() as EntityManager;
  async function taskIn(status: TaskStatus, opts: { name?: string; system?: boolean } = {}) {
    const { rows } = await b.db.query(
      `insert into task (tenant_id, actor_id, action, queue, input, status, created_at) values (1, $1, 'create_customer', 'admin', $2, $3, now() - interval '10 minutes')
       returning id, tenant_id, actor_id, action`,
      [opts.system ? null : adminId, JSON.stringify({ name: opts.name ?? `Statement ${status}` }), status],
    );
    return rows[0] as { id: number; tenant_id: number; actor_id: number | null; action: string };
  }
  const statusOf = async (id: number) => (await b.db.query('select status from task where id = $1', [id])).rows[0].status as string;
  const feedEntries = async (id: number) => (await b.db.query('select count(*)::int as n from feed_entry where task_id = $1', [id])).rows[0].n as number;

  for (const event of ['fail', 'cancel'] as const) {
    it(`${event}s a task only from the statuses the machine allows, appending a feed entry only when it moved`, async () => {
      for (const status of TASK_STATUSES) {
        for (const system of [false, true]) {
          const t = await taskIn(status, { system });
          const { moved, feedUser } = await finishTask(em(), t, event, { error: { code: 'CONFLICT', message: 'test' } });
          const allowed = taskMay(event, status);
          assert.equal(moved, allowed, `${event} from ${status}`);
          assert.equal(await statusOf(t.id), allowed ? (event === 'fail' ? 'failed' : 'cancelled') : status);
          assert.equal(await feedEntries(t.id), allowed && !system ? 1 : 0);
          assert.equal(feedUser !== null, allowed && !system, 'the owner is named for numbering only when an entry was appended');
        }
      }
    });
  }

  it('runs (locks, reads, succeeds) a task only from the statuses `start` allows', async () => {
    for (const status of TASK_STATUSES) {
      const t = await taskIn(status, { name: `Run from ${status}` });
      await runTask(deps, { data: { taskId: t.id }, attemptsMade: 0, opts: { attempts: 1 } });
      const ran = taskMay('start', status);
      assert.equal(await statusOf(t.id), ran ? 'succeeded' : status, `run from ${status}`);
      assert.equal((await b.db.query('select count(*)::int as n from customer where name = $1', [`Run from ${status}`])).rows[0].n, ran ? 1 : 0);
    }
  });

  it('re-queues a task whose job is gone only from the statuses `start` allows', async () => {
    const tasks = await Promise.all(TASK_STATUSES.map(async (status) => ({ status, id: (await taskIn(status, { name: `Lost ${status}` })).id })));
    await reconcile(em(), b.rt.queues, b.rt.log, 60_000);
    for (const { status, id } of tasks) {
      const state = await b.rt.queues.queue('admin').getJobState(`t-${id}`);
      assert.equal(state !== 'unknown', taskMay('start', status), `${status}: job ${state}`);
    }
  });

  it('keeps the index of unfinished tasks on the statuses `start` allows (the reconciler reads through it)', async () => {
    const { rows } = await b.db.query(`select indexdef from pg_indexes where indexname = 'task_unfinished_idx'`);
    const predicate = (rows[0].indexdef as string).split(' WHERE ')[1]!;
    const named = TASK_STATUSES.filter((s) => predicate.includes(`'${s}'`));
    assert.deepEqual(named, TASK_STATUSES.filter((s) => taskMay('start', s)));
  });
});
