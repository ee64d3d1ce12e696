import assert from 'node:assert/strict';
import type { Queues } from '../../src/infra/queue.js';
import { reconcile } from '../../src/pipeline/reconciler.js';
import { dropRedisPrefix, itRedis, startTestBureau, type TestBureau } from '../helpers/bureau.js';
import { touchesOnlyWhatIsMissing } from './reconciler-missing.js';

describe('the reconciler', () => {
  let b: TestBureau;
  before(async () => (b = await startTestBureau()));
  after(() => b.close());

  itRedis('re-enqueues tasks whose jobs vanished from Redis, and each runs once', async () => {
    const admin = await b.login('admin@acme.test');
    await b.stopWorkers();
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await b.post({ token: admin, task: { action: 'create_customer', data: { name: `Vanished ${i}` } } })).body.task.id);
    await new Promise((r) => setTimeout(r, 300)); // let the outbox rows go
    // Redis loses everything (a flush, or an AOF that missed its last second).
    await dropRedisPrefix(b.config.queuePrefix);
    await b.db.query(`update task set created_at = now() - interval '5 minutes' where id = any($1)`, [ids]);

    const first = await reconcile(b.rt.orm.em.fork(), b.rt.queues, b.rt.log, 60_000);
    assert.ok(first.requeued >= 5, JSON.stringify(first));
    const again = await reconcile(b.rt.orm.em.fork(), b.rt.queues, b.rt.log, 60_000);
    assert.equal(again.requeued, 0, 'a task whose job is back in its queue is left alone');

    await b.startWorkers();
    for (let i = 0; i < 100; i++) {
      const { rows } = await b.db.query(`select count(*)::int as n from task where id = any($1) and status = 'succeeded'`, [ids]);
      if (rows[0].n === ids.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const { rows } = await b.db.query(`select count(*)::int as n from customer where name like 'Vanished %'`);
    assert.equal(rows[0].n, 5);
    const late = await reconcile(b.rt.orm.em.fork(), b.rt.queues, b.rt.log, 60_000);
    assert.equal(late.requeued, 0, 'finished tasks are not touched');
  });

  it('looks past a page of tasks whose jobs are still there (timers waiting hours) to the lost ones behind them', async () => {
    const admin = await b.login('admin@acme.test');
    await b.stopWorkers();
    try {
      const waiting: number[] = [];
      for (let i = 0; i < 4; i++) waiting.push((await b.post({ token: admin, task: { action: 'create_customer', data: { name: `Waiting ${i}` } } })).body.task.id);
      await new Promise((r) => setTimeout(r, 300)); // their jobs are in the queue now
      const lost: number[] = [];
      for (let i = 0; i < 3; i++) lost.push((await b.post({ token: admin, task: { action: 'create_customer', data: { name: `Behind ${i}` } } })).body.task.id);
      await new Promise((r) => setTimeout(r, 300));
      for (const id of lost) await b.rt.queues.queue('admin').remove(`t-${id}`);
      await b.db.query(`update task set created_at = now() - interval '5 minutes' where id = any($1)`, [[...waiting, ...lost]]);
      // Pages of two: the four waiting tasks fill two pages before the lost ones come up.
      const pass = await reconcile(b.rt.orm.em.fork(), b.rt.queues, b.rt.log, 60_000, 2);
      assert.ok(pass.checked >= 7, JSON.stringify(pass));
      for (const id of lost) assert.equal(await b.rt.queues.queue('admin').getJobState(`t-${id}`), 'waiting', `task ${id} is back in its queue`);
    } finally {
      await b.startWorkers();
    }
  });

  it('leaves a task refused by a rule, and its job in the failed set, alone', async () => {
    const admin = await b.login('admin@acme.test');
    const r = await b.act(admin, 'get_customer', { id: 999_999 });
    assert.equal(r.body.task.status, 'failed');
    const id = r.body.task.id as number;
    const queue = b.rt.queues.queue('admin');
    for (let i = 0; i < 100 && (await queue.getJobState(`t-${id}`)) !== 'failed'; i++) await new Promise((r) => setTimeout(r, 50));
    await b.db.query(`update task set created_at = now() - interval '5 minutes' where id = $1`, [id]);
    await reconcile(b.rt.orm.em.fork(), b.rt.queues, b.rt.log, 60_000);
    const job = await queue.getJob(`t-${id}`);
    assert.equal(await job?.getState(), 'failed');
    assert.equal(job?.failedReason, `NOT_FOUND: No customer 999999.`);
    assert.equal(job?.attemptsMade, 1);
  });

  it('leaves a task that finished between its read and its job\'s state, although its job is gone', async () => {
    const admin = await b.login('admin@acme.test');
    await b.stopWorkers();
    try {
      const id = (await b.post({ token: admin, task: { action: 'create_customer', data: { name: 'Finished meanwhile' } } })).body.task.id as number;
      await new Promise((r) => setTimeout(r, 300));
      await b.rt.queues.queue('admin').remove(`t-${id}`);
      await b.db.query(`update task set created_at = now() - interval '5 minutes' where id = $1`, [id]);
      // The worker stores the task as failed just after the reconciler's first read, then ends its job.
      const queues = {
        queue: (name: string) => ({
          getJobState: async (jobId: string) => {
            if (jobId === `t-${id}`) await b.db.query(`update task set status = 'failed' where id = $1`, [id]);
            return b.rt.queues.queue(name).getJobState(jobId);
          },
          remove: (jobId: string) => b.rt.queues.queue(name).remove(jobId),
        }),
        dispatch: (items: Parameters<Queues['dispatch']>[0]) => b.rt.queues.dispatch(items),
      } as unknown as Queues;
      await reconcile(b.rt.orm.em.fork(), queues, b.rt.log, 60_000);
      assert.equal(await b.rt.queues.queue('admin').getJobState(`t-${id}`), 'unknown', 'not dispatched again');
    } finally {
      await b.startWorkers();
    }
  });

  it('is scheduled on the system queue', async () => {
    const schedulers = await b.rt.queues.queue('system').getJobSchedulers();
    assert.ok(schedulers.some((s) => s.key === 'reconcile'));
  });

  describe('touches only what is missing (queues on Redis, or whatever this run has)', () => touchesOnlyWhatIsMissing(() => b));
});

describe('the reconciler with the queues on BullMQ\'s PostgreSQL backend', () => {
  let b: TestBureau;
  before(async function () {
    this.timeout(60_000);
    b = await startTestBureau({ noRedis: true });
  });
  after(() => b.close());
  touchesOnlyWhatIsMissing(() => b);
});
