import assert from 'node:assert/strict';
import { reconcile } from '../../src/pipeline/reconciler.js';
import { dropRedisPrefix, startTestBureau, type TestBureau } from '../helpers/bureau.js';

describe('the reconciler', () => {
  let b: TestBureau;
  before(async () => (b = await startTestBureau()));
  after(() => b.close());

  it('re-enqueues tasks whose jobs vanished from Redis, and each runs once', async () => {
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

  it('is scheduled on the system queue', async () => {
    const schedulers = await b.rt.queues.queue('system').getJobSchedulers();
    assert.ok(schedulers.some((s) => s.key === 'reconcile'));
  });
});
