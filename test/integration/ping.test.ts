import assert from 'node:assert/strict';
import pg from 'pg';
import { startTestBureau, type TestBureau } from '../helpers/bureau.js';
import { startOwnRedis, until, type OwnRedis } from '../helpers/procs.js';

const ping = async (url: string) => {
  const res = await fetch(`${url}/ping`);
  return { status: res.status, body: (await res.json()) as any };
};

describe('GET /ping checks the queue backend too', function () {
  this.timeout(120_000);

  describe('on Redis', () => {
    let redis: OwnRedis;
    let b: TestBureau;
    before(async () => {
      redis = await startOwnRedis();
      b = await startTestBureau({ config: { redisUrl: redis.url }, workers: [] });
    });
    after(async () => {
      await b?.close();
      await redis?.stop();
    });

    it("answers today's 200 body while Redis answers, 503 naming Redis while it is down, and 200 again once it is back", async () => {
      const up = await ping(b.url);
      assert.equal(up.status, 200);
      assert.deepEqual(Object.keys(up.body).sort(), ['migrations', 'ok']);
      assert.equal(up.body.ok, true);
      assert.deepEqual(up.body.migrations.pending, []);

      const restarting = redis.killAndRestart(4000);
      let down: Awaited<ReturnType<typeof ping>> | null = null;
      await until(async () => (down = await ping(b.url)).status === 503, 3000, '/ping 503 with Redis down');
      assert.equal(down!.body.error.code, 'UNAVAILABLE');
      assert.match(down!.body.error.message, /queue backend \(Redis\) does not answer/);
      assert.ok(!down!.body.error.message.includes(String(redis.port)), 'the message names the backend, not its address');
      await restarting;
      await until(async () => (await ping(b.url)).status === 200, 30_000, '/ping 200 once Redis is back');
    });
  });

  describe('on the PostgreSQL queue backend', () => {
    let b: TestBureau;
    before(async () => {
      b = await startTestBureau({ noRedis: true, workers: [] });
    });
    after(async () => {
      await b?.close();
    });

    it('answers 200 while its queue schema is there, and 503 naming it when it is gone', async () => {
      assert.equal((await ping(b.url)).status, 200);
      const c = new pg.Client({ connectionString: b.config.databaseUrl });
      await c.connect();
      try {
        const { rows } = await c.query<{ s: string }>(`select schema_name as s from information_schema.schemata where schema_name like 'bullmq_%'`);
        assert.equal(rows.length, 1);
        await c.query(`alter schema ${rows[0]!.s} rename to moved_away`);
        const down = await ping(b.url);
        assert.equal(down.status, 503);
        assert.match(down.body.error.message, /queue backend \(PostgreSQL\) does not answer: its schema bullmq_\w+ is missing/);
        await c.query(`alter schema moved_away rename to ${rows[0]!.s}`);
        assert.equal((await ping(b.url)).status, 200);
      } finally {
        await c.end();
      }
    });
  });
});
