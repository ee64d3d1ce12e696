import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../../src/config.js';
import { openOrm } from '../../src/infra/db.js';
import { pickFreePort } from '../../src/infra/free-port.js';
import { loadDemo } from '../../fixtures/demo.js';
import { DEMO_PASSWORD, TEST_PG, TEST_REDIS, dropRedisPrefix, openFeed } from '../helpers/bureau.js';
import { readProcfile, spawnProc, until, waitForPing, type Proc } from '../helpers/procs.js';

const procfile = readProcfile();

describe('the Procfile processes, each on its own against DATABASE_URL and REDIS_URL', () => {
  const id = randomBytes(4).toString('hex');
  const dbName = `bureau_p_${id}`;
  const dbUrl = Object.assign(new URL(TEST_PG), { pathname: `/${dbName}` }).toString();
  const children: Proc[] = [];
  let port = 0;
  let env: NodeJS.ProcessEnv;

  before(async function () {
    this.timeout(90_000);
    const admin = new pg.Client({ connectionString: TEST_PG });
    await admin.connect();
    await admin.query(`create database ${dbName}`);
    await admin.end();
    port = await pickFreePort();
    env = { ...process.env, DATABASE_URL: dbUrl, REDIS_URL: TEST_REDIS, QUEUE_PREFIX: `bp${id}`, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' };
    const release = spawnSync('sh', ['-c', procfile.get('release')!], { env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(release.status, 0, release.stderr);
    const config = loadConfig({}, { databaseUrl: dbUrl, argon2: { memoryCost: 2048, timeCost: 1 } });
    const orm = await openOrm(config, { poolMax: 2 });
    await loadDemo(orm.em.fork(), DEMO_PASSWORD, config);
    await orm.close(true);
    // Each process says when it is up; info lines are read for that and not echoed.
    const ready = new Set<string>();
    const onLine = (name: string) => (line: string) => {
      if (/"msg":"(workers ready|web listening)/.test(line)) ready.add(name);
      return /"level":30\b/.test(line);
    };
    for (const name of procfile.keys()) if (name !== 'release') children.push(spawnProc(name, env, { onLine: onLine(name) }));
    await waitForPing(`http://127.0.0.1:${port}`);
    // A process still loading its modules has no SIGTERM handler yet: the last test needs every one of them up.
    await until(() => ready.size === children.length, 60_000, 'every Procfile process to say it is ready');
  });

  after(async function () {
    this.timeout(60_000);
    await Promise.all(children.map((c) => c.stop()));
    const admin = new pg.Client({ connectionString: TEST_PG });
    await admin.connect();
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
    await dropRedisPrefix(`bp${id}`);
  });

  it('takes an action through web, the admin and compliance workers, and the websocket', async () => {
    const url = `http://127.0.0.1:${port}`;
    const post = async (body: unknown) => {
      const r = await fetch(`${url}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: r.status, body: (await r.json()) as any };
    };
    const login = async (name: string) => (await post({ task: { action: 'login', data: { name, password: DEMO_PASSWORD } } })).body.token as string;
    const admin = await login('admin@acme.test');
    const reviewer = await login('compliance2@acme.test');
    const feed = await openFeed(url, reviewer, 0);
    const created = await post({ token: admin, task: { action: 'create_transfer', data: { cid: 1, amount: '99.95', level: 2 } } });
    assert.equal(created.status, 202);
    const notice = await feed.waitFor((m) => m.type === 'notice' && m.notice.type === 'queue.item_added' && m.notice.item.type === 'transfer');
    const review = await post({ token: reviewer, task: { action: 'review_transfer', data: { id: notice.notice.item.id, approved: true } } });
    const result = await feed.waitFor((m) => m.type === 'result' && m.task.id === review.body.task.id && m.task.status !== 'running');
    assert.equal(result.task.status, 'succeeded');
    assert.equal(result.task.result.status, 'approved');
    assert.equal(result.task.result.amount, '99.95');
    await feed.close();
  });

  it('stops every process on SIGTERM', async function () {
    this.timeout(60_000);
    const exits = await Promise.all(children.map((c) => c.stop()));
    const codes = exits.map((e) => e.code);
    if (codes.some((c) => c !== 0)) console.log(children.map((c, i) => `${c.name}: ${JSON.stringify(exits[i])}`));
    assert.deepEqual(codes, codes.map(() => 0));
  });
});
