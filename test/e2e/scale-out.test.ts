import assert from 'node:assert/strict';
import { domains } from '../../src/domains.js';
import { pickFreePort } from '../../src/infra/free-port.js';
import { DEMO_PASSWORD, TEST_REDIS, describeRedis, dropRedisPrefix, openFeed } from '../helpers/bureau.js';
import { procEnv, sleep, spawnProc, testDatabase, until, waitForPing, type Proc } from '../helpers/procs.js';
import { Redis } from 'ioredis';
import pg from 'pg';

/**
 * Scale-out: two web processes and two of each worker kind, all from the
 * Procfile, against one PostgreSQL and one Redis. Actions posted to either web
 * reach a websocket on the other; no task's effect is applied twice; a SIGTERM
 * to any process lets its work in flight finish (or another takes it over).
 */
describeRedis('two web processes and two of each worker kind', () => {
  let store: Awaited<ReturnType<typeof testDatabase>>;
  let db: pg.Pool;
  // A Redis Cluster needs every key of a queue in one hash slot: the prefix carries a hash tag (docs/scaling.md).
  let prefix = '';
  const webs: { url: string; proc: Proc }[] = [];
  const workers: Proc[] = [];

  before(async function () {
    this.timeout(180_000);
    store = await testDatabase();
    db = new pg.Pool({ connectionString: store.url, max: 3 });
    prefix = `{${store.prefix}}`;
    for (let i = 0; i < 2; i++) {
      const port = await pickFreePort();
      webs.push({ url: `http://127.0.0.1:${port}`, proc: spawnProc('web', procEnv({ databaseUrl: store.url, redisUrl: TEST_REDIS, prefix, port })) });
    }
    for (const kind of domains.workerKinds) for (let i = 0; i < 2; i++) workers.push(spawnProc(kind, procEnv({ databaseUrl: store.url, redisUrl: TEST_REDIS, prefix })));
    for (const w of webs) await waitForPing(w.url, 150_000);
  });

  after(async function () {
    this.timeout(90_000);
    await Promise.all([...webs.map((w) => w.proc), ...workers].map((p) => p.stop()));
    await db?.end();
    await store?.drop();
    if (prefix) await dropRedisPrefix(prefix);
  });

  const post = async (url: string, body: unknown) => {
    const res = await fetch(`${url}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any };
  };
  const login = async (url: string, name: string) => (await post(url, { task: { action: 'login', data: { name, password: DEMO_PASSWORD } } })).body.token as string;
  const final = async (ids: number[]) => (await db.query(`select count(*)::int as n from task where id = any($1) and status in ('succeeded', 'failed', 'cancelled')`, [ids])).rows[0].n as number;

  it('posts to either web and gets every result, once, on a websocket of the other', async function () {
    this.timeout(120_000);
    const [a, b] = [webs[0]!, webs[1]!];
    const acme = await login(a.url, 'admin@acme.test');
    const globex = await login(b.url, 'admin@globex.test');
    const acmeFeed = await openFeed(b.url, acme, 0); // acme posts to a, listens on b
    const globexFeed = await openFeed(a.url, globex, 0); // and the other way round
    const ids: { acme: number[]; globex: number[] } = { acme: [], globex: [] };
    for (let i = 0; i < 60; i++) {
      const [x, y] = await Promise.all([
        post(a.url, { token: acme, task: { action: 'create_customer', data: { name: `scale-acme-${i}` } } }),
        post(b.url, { token: globex, task: { action: 'create_customer', data: { name: `scale-globex-${i}` } } }),
      ]);
      assert.equal(x.status, 202);
      assert.equal(y.status, 202);
      ids.acme.push(x.body.task.id);
      ids.globex.push(y.body.task.id);
    }
    for (const [feed, mine, theirs] of [[acmeFeed, ids.acme, ids.globex], [globexFeed, ids.globex, ids.acme]] as const) {
      await feed.waitFor(() => feed.results().filter((m) => mine.includes(m.task?.id)).length === mine.length, 60_000);
      const results = feed.results().filter((m) => m.type === 'result');
      assert.deepEqual(results.map((m) => m.task.id).sort(), [...mine].sort(), 'each of its results once, nothing of the other tenant');
      assert.ok(results.every((m) => m.task.status === 'succeeded'));
      assert.ok(!feed.messages.some((m) => theirs.includes(m.task?.id)));
      const seqs = feed.results().map((m) => m.seq);
      assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), 'in seq order');
      assert.equal(new Set(seqs).size, seqs.length);
      await feed.close();
    }
    const { rows } = await db.query(`select count(*)::int as n, count(distinct name)::int as d from customer where name like 'scale-%'`);
    assert.deepEqual(rows[0], { n: 120, d: 120 }, 'one customer per task: nothing processed twice');
    const redis = new Redis(TEST_REDIS);
    const keys = await redis.keys(`${prefix}:admin:*`).finally(() => redis.disconnect());
    assert.ok(keys.length > 0, 'the admin queue lives under the hash-tagged prefix');
  });

  it('lets work in flight finish, or be taken over, when any process gets SIGTERM', async function () {
    this.timeout(240_000);
    const [a, b] = [webs[0]!, webs[1]!];
    const token = await login(b.url, 'admin@acme.test');
    const ids: number[] = [];
    // Posts keep coming to web a while it is stopped: each is accepted there or, refused, posted again to b with its key.
    const submit = async (i: number) => {
      const body = { token, task: { action: 'create_document', data: { cid: 1, content: `drain ${i}` }, key: `drain-${i}` } };
      for (const url of [a.url, b.url, b.url]) {
        try {
          const r = await post(url, body);
          if (r.status === 202 || r.status === 200) return void ids.push(r.body.task.id);
        } catch {
          /* a refused connection: the next url */
        }
        await sleep(200);
      }
      throw new Error(`document ${i} was never accepted`);
    };
    const load = (async () => {
      for (let i = 0; i < 400; i += 20) await Promise.all(Array.from({ length: 20 }, (_, j) => submit(i + j)));
    })();
    await until(() => ids.length >= 100, 60_000, 'the first hundred documents');
    // One of each kind gets SIGTERM while jobs are running; the other of its kind carries on.
    const victims = [a.proc, ...domains.workerKinds.map((k) => workers.find((w) => w.name === k)!)];
    const exits = await Promise.all(victims.map((p) => p.stop()));
    await load;
    assert.deepEqual(exits.map((e) => e.code), victims.map(() => 0), 'each stopped cleanly');
    assert.equal(ids.length, 400);
    await until(async () => (await final(ids)) === ids.length, 120_000, 'every document task to finish');
    const { rows: statuses } = await db.query(`select status, count(*)::int as n from task where id = any($1) group by status`, [ids]);
    assert.deepEqual(statuses, [{ status: 'succeeded', n: 400 }]);
    const { rows } = await db.query(`select count(*)::int as n, count(distinct content)::int as d from document where content like 'drain %'`);
    assert.deepEqual(rows[0], { n: 400, d: 400 }, 'one document per task, none twice');
    const { rows: events } = await db.query(`select count(*)::int as n from entity_event where task_id = any($1)`, [ids]);
    assert.equal(events[0].n, 400, 'one history event per task');
  });
});
