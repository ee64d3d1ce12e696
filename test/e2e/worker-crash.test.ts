import assert from 'node:assert/strict';
import { startTestBureau, type TestBureau } from '../helpers/bureau.js';
import { procEnv, spawnProc, until, type Proc } from '../helpers/procs.js';

/** A real worker process for the admin queue (the Procfile's line), against the test bureau's database and queue prefix. */
function spawnAdminWorker(b: TestBureau): Proc {
  return spawnProc('admin', procEnv({ databaseUrl: b.config.databaseUrl, redisUrl: b.config.redisUrl, prefix: b.config.queuePrefix }, { JOB_LOCK_MS: '2000', STALLED_INTERVAL_MS: '1000', LOG_LEVEL: 'warn' }));
}

describe('a worker process killed mid-job', () => {
  let b: TestBureau;
  before(async () => {
    // This process runs every worker kind but admin; admin work goes to child processes.
    b = await startTestBureau({ workers: ['compliance', 'service', 'system'], config: { jobLockMs: 2000, stalledIntervalMs: 1000 } });
  });
  after(() => b.close());

  it('loses nothing: every task reaches one final state and each effect is applied once', async function () {
    this.timeout(120_000);
    const admin = await b.login('admin@acme.test');
    const N = 1500;
    const ids: number[] = [];
    for (let i = 0; i < N; i += 50) {
      const batch = await Promise.all(Array.from({ length: Math.min(50, N - i) }, (_, j) => b.post({ token: admin, task: { action: 'create_customer', data: { name: `crash-${i + j}` } } })));
      for (const r of batch) {
        assert.equal(r.status, 202);
        ids.push(r.body.task.id);
      }
    }
    const done = async () => (await b.db.query(`select count(*)::int as n from task where id = any($1) and status in ('succeeded', 'failed')`, [ids])).rows[0].n as number;

    const first = spawnAdminWorker(b);
    await until(async () => (await done()) >= 100, 60_000, 'the first worker to make progress');
    first.signal('SIGKILL');
    await first.exited;
    const atKill = await done();
    assert.ok(atKill < N, 'the worker was killed before it finished everything');

    const second = spawnAdminWorker(b);
    try {
      await until(async () => (await done()) === N, 90_000, 'every task to finish after the restart');
    } finally {
      await second.stop();
    }

    const statuses = (await b.db.query(`select status, count(*)::int as n from task where id = any($1) group by status`, [ids])).rows;
    assert.deepEqual(statuses, [{ status: 'succeeded', n: N }]);
    const customers = (await b.db.query(`select count(*)::int as n, count(distinct name)::int as d from customer where name like 'crash-%'`)).rows[0];
    assert.equal(customers.n, N, 'one customer per succeeded task, none twice');
    assert.equal(customers.d, N);
    const results = (await b.db.query(`select count(distinct (result->>'id'))::int as n from task where id = any($1)`, [ids])).rows[0];
    assert.equal(results.n, N);
    const outbox = (await b.db.query('select count(*)::int as n from outbox where task_id = any($1)', [ids])).rows[0];
    assert.equal(outbox.n, 0, 'every outbox row was relayed');
  });
});
