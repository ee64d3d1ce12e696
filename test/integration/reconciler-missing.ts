import assert from 'node:assert/strict';
import pg from 'pg';
import { reconcile } from '../../src/pipeline/reconciler.js';
import type { TestBureau } from '../helpers/bureau.js';

/**
 * The reconciler re-adds a task only when its job is missing: a waiting job and
 * a delayed timer are left as they are (same job, same timestamp), a lost job is
 * re-added once, and a pass waits its turn (one at a time, in any process).
 */
export function touchesOnlyWhatIsMissing(bureau: () => TestBureau): void {
  it('leaves waiting and delayed jobs alone and re-adds a lost one once', async () => {
    const b = bureau();
    const admin = await b.login('admin@acme.test');
    // A transfer leaves an SLA timer: a delayed job hours away.
    const transfer = await b.act(admin, 'create_transfer', { cid: 1, amount: '12.00', level: 1 });
    assert.equal(transfer.body.task.status, 'succeeded');
    const { rows: timers } = await b.db.query(`select id, queue from task where action = 'sla_escalate' and status = 'queued' and input->>'id' = $1 and input->>'type' = 'transfer'`, [String(transfer.body.task.result.id)]);
    assert.equal(timers.length, 1, 'the transfer has its SLA timer');
    const timer = timers[0] as { id: number; queue: string };
    await b.stopWorkers();
    try {
      const waiting = (await b.post({ token: admin, task: { action: 'create_customer', data: { name: 'Still waiting' } } })).body.task.id as number;
      const lost = (await b.post({ token: admin, task: { action: 'create_customer', data: { name: 'Lost job' } } })).body.task.id as number;
      const queue = b.rt.queues.queue('admin');
      for (let i = 0; i < 100 && ((await queue.getJobState(`t-${waiting}`)) === 'unknown' || (await queue.getJobState(`t-${lost}`)) === 'unknown'); i++) await new Promise((r) => setTimeout(r, 50));
      // The door deletes their outbox rows just after the jobs are in (a task with an outbox row is the relay's, not the reconciler's).
      for (let i = 0; i < 100 && (await b.db.query('select count(*)::int as n from outbox where task_id = any($1)', [[waiting, lost]])).rows[0].n > 0; i++) await new Promise((r) => setTimeout(r, 50));
      await queue.remove(`t-${lost}`);
      await b.db.query(`update task set created_at = now() - interval '5 minutes' where id = any($1)`, [[waiting, lost, timer.id]]);
      const before = { waiting: (await queue.getJob(`t-${waiting}`))!.timestamp, timer: (await b.rt.queues.queue(timer.queue).getJob(`t-${timer.id}`))!.timestamp };
      assert.equal(await b.rt.queues.queue(timer.queue).getJobState(`t-${timer.id}`), 'delayed');

      // Another pass holds the lock: this one waits its turn (does nothing).
      const holder = new pg.Client({ connectionString: b.config.databaseUrl });
      await holder.connect();
      try {
        await holder.query('begin');
        await holder.query('select pg_advisory_xact_lock($1)', [0x62757265]);
        const blocked = await reconcile(b.rt.orm.em.fork(), b.rt.queues, b.rt.log, 60_000);
        assert.deepEqual(blocked, { checked: 0, requeued: 0, skipped: true });
        await holder.query('rollback');
      } finally {
        await holder.end();
      }

      const pass = await reconcile(b.rt.orm.em.fork(), b.rt.queues, b.rt.log, 60_000);
      assert.ok(pass.checked >= 3, JSON.stringify(pass));
      // (Other tasks of the demo set may be re-added too, in a run where an earlier test flushed their jobs.)
      assert.ok(pass.requeued >= 1, JSON.stringify(pass));
      assert.equal(await queue.getJobState(`t-${lost}`), 'waiting', 'the lost task is back in its queue');
      const readded = (await queue.getJob(`t-${lost}`))!.timestamp;
      assert.equal((await queue.getJob(`t-${waiting}`))!.timestamp, before.waiting, 'the waiting job is the same job');
      assert.equal(await b.rt.queues.queue(timer.queue).getJobState(`t-${timer.id}`), 'delayed');
      assert.equal((await b.rt.queues.queue(timer.queue).getJob(`t-${timer.id}`))!.timestamp, before.timer, 'the timer is the same job');

      const again = await reconcile(b.rt.orm.em.fork(), b.rt.queues, b.rt.log, 60_000);
      assert.equal(again.requeued, 0, 'a re-added job is not re-added again');
      assert.equal((await queue.getJob(`t-${lost}`))!.timestamp, readded, 'the lost task was re-added once');
      assert.equal((await queue.getJob(`t-${waiting}`))!.timestamp, before.waiting);
    } finally {
      await b.startWorkers();
    }
  });
}
