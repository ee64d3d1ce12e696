import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import pg from 'pg';
import { loadConfig } from '../../src/config.js';
import { openOrm } from '../../src/infra/db.js';
import { loadDemo } from '../../fixtures/demo.js';
import { DEMO_PASSWORD, TEST_PG, TEST_REDIS, dropRedisPrefix, openFeed } from '../helpers/bureau.js';

const procfile = new Map(
  readFileSync('Procfile', 'utf8')
    .split('\n')
    .filter((l) => l.includes(':'))
    .map((l) => [l.slice(0, l.indexOf(':')).trim(), l.slice(l.indexOf(':') + 1).trim()] as const),
);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('the Procfile processes, each on its own against DATABASE_URL and REDIS_URL', () => {
  const id = randomBytes(4).toString('hex');
  const dbName = `bureau_p_${id}`;
  const dbUrl = Object.assign(new URL(TEST_PG), { pathname: `/${dbName}` }).toString();
  const children: ChildProcess[] = [];
  let port = 0;
  let env: NodeJS.ProcessEnv;

  before(async function () {
    this.timeout(90_000);
    const admin = new pg.Client({ connectionString: TEST_PG });
    await admin.connect();
    await admin.query(`create database ${dbName}`);
    await admin.end();
    port = await freePort();
    env = { ...process.env, DATABASE_URL: dbUrl, REDIS_URL: TEST_REDIS, QUEUE_PREFIX: `bp${id}`, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
    const release = spawnSync('sh', ['-c', procfile.get('release')!], { env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(release.status, 0, release.stderr);
    const config = loadConfig({}, { databaseUrl: dbUrl, argon2: { memoryCost: 2048, timeCost: 1 } });
    const orm = await openOrm(config, { poolMax: 2 });
    await loadDemo(orm.em.fork(), DEMO_PASSWORD, config);
    await orm.close(true);
    for (const [name, cmd] of procfile) {
      if (name === 'release') continue;
      const child = spawn('sh', ['-c', `exec ${cmd}`], { env, stdio: ['ignore', 'ignore', 'inherit'] });
      children.push(child);
    }
    for (let i = 0; i < 300; i++) {
      const ok = await fetch(`http://127.0.0.1:${port}/ping`).then((r) => r.status === 200).catch(() => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('web never answered /ping');
  });

  after(async function () {
    this.timeout(60_000);
    await Promise.all(children.map((c) => new Promise((resolve) => (c.exitCode !== null ? resolve(null) : (c.once('exit', resolve), c.kill('SIGTERM'))))));
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
    const exits = children.map((c) => new Promise<number | null>((resolve) => (c.exitCode !== null ? resolve(c.exitCode) : c.once('exit', (code) => resolve(code)))));
    for (const c of children) c.kill('SIGTERM');
    const codes = await Promise.all(exits);
    assert.deepEqual(codes, codes.map(() => 0));
  });
});
