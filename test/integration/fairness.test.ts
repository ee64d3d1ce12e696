import assert from 'node:assert/strict';
import { startTestBureau, type TestBureau } from '../helpers/bureau.js';

const fairness = (over: Partial<{ tenantMaxBacklog: number; tenantPriority: boolean; activeSlots: number }> = {}) => ({ tenantMaxBacklog: 5000, tenantMaxBacklogByKind: {}, tenantPriority: true, activeSlots: 0, ...over });

async function until(what: string, fn: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`never: ${what}`);
}

describe('fairness between tenants on the shared queues', () => {
  let b: TestBureau;
  before(async () => (b = await startTestBureau({ config: { workerConcurrency: 1, fairness: fairness() } })));
  after(() => b.close());

  it('takes a light tenant\'s tasks while a flooding tenant\'s backlog is still long', async () => {
    const a = await b.login('admin@acme.test');
    const g = await b.login('admin@globex.test');
    await b.stopWorkers();
    const flood: number[] = [];
    const light: number[] = [];
    try {
      for (let i = 0; i < 60; i++) flood.push((await b.post({ token: a, task: { action: 'create_customer', data: { name: `Flood ${i}` } } })).body.task.id);
      for (let i = 0; i < 4; i++) light.push((await b.post({ token: g, task: { action: 'create_customer', data: { name: `Light ${i}` } } })).body.task.id);
      const queue = b.rt.queues.queue('admin');
      await until('every job is in the queue', async () => (await queue.getJobCountByTypes('wait', 'prioritized')) >= 64);
      // The flooding tenant's jobs queue behind one another; the light tenant's come in between.
      const priorities = async (ids: number[]) => Promise.all(ids.map(async (id) => (await queue.getJob(`t-${id}`))!.opts.priority ?? 0));
      assert.ok(Math.max(...(await priorities(light))) <= 4 + 1, `light: ${await priorities(light)}`);
      assert.ok(Math.max(...(await priorities(flood))) >= 50, `flood: ${await priorities(flood)}`);
    } finally {
      await b.startWorkers();
    }
    const unfinished = async (ids: number[]) => (await b.db.query(`select count(*)::int as n from task where id = any($1) and status not in ('succeeded', 'failed', 'cancelled')`, [ids])).rows[0].n as number;
    await until('the light tenant\'s tasks finish', async () => (await unfinished(light)) === 0);
    const left = await unfinished(flood);
    assert.ok(left >= 30, `the light tenant waited for only a few of the flood's tasks (${60 - left} of 60 ran first)`);
    // And the flood is served in full: nothing lost, nothing twice.
    await until('the flood finishes', async () => (await unfinished(flood)) === 0);
    const { rows } = await b.db.query(`select count(*)::int as n, count(distinct name)::int as d from customer where name like 'Flood %' or name like 'Light %'`);
    assert.deepEqual(rows[0], { n: 64, d: 64 });
  });
});

describe('a tenant\'s own limit (TENANT_MAX_BACKLOG)', () => {
  let b: TestBureau;
  before(async () => (b = await startTestBureau({ config: { fairness: fairness({ tenantMaxBacklog: 3 }) } })));
  after(() => b.close());

  it('refuses only the tenant past its limit, with 429 and Retry-After, writing nothing', async () => {
    const a = await b.login('admin@acme.test');
    const g = await b.login('admin@globex.test');
    await b.stopWorkers();
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await b.post({ token: a, task: { action: 'create_customer', data: { name: `Own limit ${i}` } } })).status);
      assert.deepEqual(statuses, [202, 202, 202]);
      const count = async () => (await b.db.query('select count(*)::int as n from task')).rows[0].n as number;
      const before = await count();
      const res = await fetch(`${b.url}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: a, task: { action: 'create_customer', data: { name: 'Own limit 3' } } }) });
      assert.equal(res.status, 429);
      assert.equal(res.headers.get('retry-after'), '1');
      assert.equal(((await res.json()) as any).error.code, 'RATE_LIMITED');
      assert.equal(await count(), before, 'nothing written for the refused action');
      // The other tenant, on the same queue, is not refused.
      assert.equal((await b.post({ token: g, task: { action: 'create_customer', data: { name: 'Other tenant' } } })).status, 202);
    } finally {
      await b.startWorkers();
    }
    // Once its tasks have run, the tenant is taken again.
    await until('the tenant is under its limit again', async () => (await b.post({ token: a, task: { action: 'create_customer', data: { name: `Own limit again ${Date.now()}` } } })).status === 202);
    const { rows } = await b.db.query(`select count(*)::int as n from customer where name like 'Own limit _'`);
    assert.equal(rows[0].n, 3);
  });
});
