import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { DEMO_PASSWORD, TEST_REDIS, itRedis, startTestBureau, type TestBureau } from '../helpers/bureau.js';

describe('the action pipeline', () => {
  let b: TestBureau;
  let admin: string;
  before(async () => {
    b = await startTestBureau();
    admin = await b.login('admin@acme.test');
  });
  after(() => b.close());

  it('answers 202 with a queued task id at once, then pushes the result over the websocket', async () => {
    const feed = await b.feed(admin, 0);
    const r = await b.post({ token: admin, task: { action: 'create_customer', data: { name: 'Grace Hopper' } } });
    assert.equal(r.status, 202);
    assert.equal(r.body.task.status, 'queued');
    assert.equal(typeof r.body.task.id, 'number');
    const m = await feed.waitFor((x) => x.type === 'result' && x.task.id === r.body.task.id && x.task.status === 'succeeded');
    assert.equal(m.task.action, 'create_customer');
    assert.equal(m.task.result.name, 'Grace Hopper');
    assert.equal(typeof m.seq, 'number');
    await feed.close();
  });

  it('holds the reply for the result when asked to wait', async () => {
    const r = await b.act(admin, 'create_customer', { name: 'Alan Turing' });
    assert.equal(r.status, 200);
    assert.equal(r.body.task.status, 'succeeded');
    assert.equal(r.body.task.result.name, 'Alan Turing');
  });

  it('returns the first task for a repeated idempotency key and creates nothing twice', async () => {
    const body = { token: admin, task: { action: 'create_customer', data: { name: 'Once Only' }, key: 'k-1' } };
    const first = await b.post(body);
    const second = await b.post(body);
    assert.equal(second.body.task.id, first.body.task.id);
    const third = await b.post({ ...body, wait: 10_000 });
    assert.equal(third.body.task.id, first.body.task.id);
    assert.equal(third.body.task.status, 'succeeded');
    const { rows } = await b.db.query(`select count(*)::int as n from customer where name = 'Once Only'`);
    assert.equal(rows[0].n, 1);
  });

  it('replays every missed result in order to a client that reconnects with its last seq', async () => {
    const feed = await b.feed(admin, 0);
    const before = feed.results();
    const last = before.length ? before[before.length - 1].seq : 0;
    await feed.close();
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await b.act(admin, 'create_customer', { name: `Missed ${i}` })).body.task.id);
    const again = await b.feed(admin, last);
    await again.waitFor((m) => m.type === 'result' && m.task.id === ids[4]);
    const seqs = again.results().map((m) => m.seq);
    assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y));
    assert.equal(new Set(seqs).size, seqs.length);
    assert.ok(seqs.every((s) => s > last));
    assert.deepEqual(again.results().map((m) => m.task.id).filter((id) => ids.includes(id)), ids);
    await again.close();
  });

  itRedis('puts no token or password in a queue job: the task id and the door\'s copy of the task', async () => {
    const r = await b.post({ token: admin, task: { action: 'create_customer', data: { name: 'Secretive Corp' } }, wait: 10_000 });
    assert.equal(r.body.task.status, 'succeeded');
    const redis = new Redis(TEST_REDIS);
    try {
      const keys = await redis.keys(`${b.config.queuePrefix}:*`);
      assert.ok(keys.length > 0);
      let dump = '';
      for (const key of keys) {
        const type = await redis.type(key);
        if (type === 'hash') dump += JSON.stringify(await redis.hgetall(key));
        else if (type === 'string') dump += await redis.get(key);
        else if (type === 'list') dump += JSON.stringify(await redis.lrange(key, 0, -1));
        else if (type === 'zset') dump += JSON.stringify(await redis.zrange(key, 0, -1));
        else if (type === 'stream') dump += JSON.stringify(await redis.xrange(key, '-', '+'));
      }
      assert.ok(dump.includes(`t-${r.body.task.id}`), 'the job is there, under its task id');
      assert.ok(!dump.includes(admin), 'no session token in Redis');
      assert.ok(!dump.includes(DEMO_PASSWORD), 'no password in Redis');
      assert.ok(!dump.includes('$argon2'), 'no password hash in Redis');
      // The copy the worker starts from is what the task row holds (see runTask).
      const job = await redis.hget(`${b.config.queuePrefix}:admin:t-${r.body.task.id}`, 'data');
      const { rows } = await b.db.query('select tenant_id, actor_id, action, input from task where id = $1', [r.body.task.id]);
      const { copy } = JSON.parse(job!) as { copy: Record<string, unknown> };
      assert.deepEqual({ tenant_id: copy.tenant_id, actor_id: copy.actor_id, action: copy.action, input: copy.input }, rows[0]);
    } finally {
      redis.disconnect();
    }
  });

  it('empties the outbox once the jobs are in their queues', async () => {
    await b.act(admin, 'create_customer', { name: 'Outboxed' });
    for (let i = 0; i < 50; i++) {
      const { rows } = await b.db.query(`select count(*)::int as n from outbox o join task t on t.id = o.task_id where t.actor_id is not null`);
      if (rows[0].n === 0) return;
      await new Promise((res) => setTimeout(res, 50));
    }
    assert.fail('outbox rows of user tasks were never deleted');
  });
});
