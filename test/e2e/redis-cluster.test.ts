import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { domains } from '../../src/domains.js';
import { BOARD_PATH } from '../../src/http/console.js';
import { pickFreePort } from '../../src/infra/free-port.js';
import { dropRedisKeys } from '../../src/infra/redis-keys.js';
import { DEMO_PASSWORD, openFeed } from '../helpers/bureau.js';
import { procEnv, sleep, spawnProc, testDatabase, until, waitForPing, type Proc } from '../helpers/procs.js';

/**
 * Redis Cluster: three masters (`redis-server --cluster-enabled yes`, no
 * replicas) on loopback ports in a temp dir, two web processes and one of each
 * worker kind from the Procfile with `REDIS_CLUSTER_NODES`. Mid-load the master
 * holding the queues' slot is SIGKILLed and restarted on the same port and
 * directory (its AOF brings its keys back); every accepted task ends final,
 * and its effect is in the database exactly once.
 */
const HAVE_REDIS = spawnSync('sh', ['-c', 'command -v redis-server && command -v redis-cli']).status === 0;
const describeCluster = HAVE_REDIS ? describe : describe.skip;

interface Master {
  port: number;
  dir: string;
  child: ChildProcess | null;
}

function startMaster(m: Master): void {
  const child = spawn(
    'redis-server',
    ['--port', String(m.port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '3000', '--appendonly', 'yes', '--save', '', '--dir', m.dir],
    { cwd: m.dir, stdio: 'ignore', detached: true },
  );
  child.on('error', () => undefined);
  m.child = child;
}

async function killMaster(m: Master, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  const child = m.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(-child.pid!, signal);
  } catch {
    /* gone */
  }
  await exited;
  m.child = null;
}

const say = (what: string) => process.env.CLUSTER_VERBOSE && console.log(`  [cluster test] ${what}`);
const cli = (port: number, ...args: string[]) => spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' });

describeCluster('on a three-master Redis Cluster', () => {
  let store: Awaited<ReturnType<typeof testDatabase>>;
  let db: pg.Pool;
  let tmp = '';
  let url = '';
  let prefix = '';
  const masters: Master[] = [];
  const webs: { url: string; proc: Proc }[] = [];
  const workers: Proc[] = [];

  before(async function () {
    this.timeout(180_000);
    tmp = mkdtempSync(path.join(tmpdir(), 'bureau-cluster-'));
    for (let i = 0; i < 3; i++) {
      const port = await pickFreePort();
      const dir = path.join(tmp, String(port));
      mkdirSync(dir);
      const m: Master = { port, dir, child: null };
      masters.push(m);
      startMaster(m);
    }
    for (const m of masters) await until(() => cli(m.port, 'ping').stdout.trim() === 'PONG', 15_000, `redis-server on ${m.port}`);
    const create = spawnSync('redis-cli', ['--cluster', 'create', ...masters.map((m) => `127.0.0.1:${m.port}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' });
    assert.equal(create.status, 0, create.stdout + create.stderr);
    for (const m of masters) await until(() => /cluster_state:ok/.test(cli(m.port, 'cluster', 'info').stdout), 30_000, `cluster state ok on ${m.port}`);
    url = `redis+cluster://${masters.map((m) => `127.0.0.1:${m.port}`).join(',')}`;

    store = await testDatabase();
    db = new pg.Pool({ connectionString: store.url, max: 3 });
    // No hash tag given: the config adds one on a cluster (`{bureau_x_...}`).
    prefix = store.prefix;
    const nodes = masters.map((m) => `127.0.0.1:${m.port}`).join(',');
    const env = (port?: number) =>
      procEnv({ databaseUrl: store.url, redisUrl: '', prefix, queueBackend: 'redis', ...(port ? { port } : {}) }, { REDIS_CLUSTER_NODES: nodes, RECONCILE_INTERVAL_MS: '2000', RECONCILE_GRACE_MS: '3000' });
    for (let i = 0; i < 2; i++) {
      const port = await pickFreePort();
      webs.push({ url: `http://127.0.0.1:${port}`, proc: spawnProc('web', env(port)) });
    }
    for (const kind of domains.workerKinds) workers.push(spawnProc(kind, env()));
    for (const w of webs) await waitForPing(w.url, 150_000);
  });

  after(async function () {
    this.timeout(90_000);
    await Promise.all([...webs.map((w) => w.proc), ...workers].map((p) => p.stop()));
    await db?.end();
    await store?.drop();
    for (const m of masters) await killMaster(m, 'SIGTERM');
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const post = async (base: string, body: unknown) => {
    const res = await fetch(`${base}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
    return { status: res.status, body: (await res.json()) as any };
  };
  const login = async (base: string, name: string) => (await post(base, { task: { action: 'login', data: { name, password: DEMO_PASSWORD } } })).body.token as string;

  it('keeps the queues under one hash tag, fans results out across web processes, and loses or doubles nothing when a master dies mid-load', async function () {
    this.timeout(300_000);
    const [a, b] = [webs[0]!, webs[1]!];
    const acme = await login(a.url, 'admin@acme.test');
    const globex = await login(b.url, 'admin@globex.test');

    // Results fan out over cluster pub/sub: posted to a, pushed on b's websocket.
    const feed = await openFeed(b.url, acme, 0);
    const first = await post(a.url, { token: acme, task: { action: 'create_customer', data: { name: 'cluster-first' } } });
    assert.equal(first.status, 202);
    await feed.waitFor(() => feed.results().some((m) => m.task?.id === first.body.task.id), 60_000);
    await feed.close();

    // The master that holds the queues' hash slot (config wrapped the prefix in braces).
    const probe = new Redis(masters[0]!.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    const tagged = `{${prefix}}`;
    const slot = Number(await probe.call('cluster', 'keyslot', `${tagged}:admin:id`));
    const ranges = (await probe.call('cluster', 'slots')) as [number, number, [string, number, ...unknown[]], ...unknown[]][];
    probe.disconnect();
    const owner = ranges.find(([lo, hi]) => slot >= lo && slot <= hi)![2][1];
    const victim = masters.find((m) => m.port === owner)!;
    const keys = spawnSync('redis-cli', ['-c', '-p', String(victim.port), '--scan', '--pattern', `${tagged}:admin:*`], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
    assert.ok(keys.length > 0, 'the admin queue lives under the hash-tagged prefix, on the master owning its slot');

    // Load through both webs, two tenants; a POST that fails (web busy with a dead Redis) is retried with its key.
    const accepted: number[] = [first.body.task.id];
    const names: string[] = ['cluster-first'];
    const submit = async (i: number) => {
      const token = i % 2 ? globex : acme;
      const name = `cluster-${i}`;
      const body = { token, task: { action: 'create_customer', data: { name }, key: `cluster-${i}` } };
      for (let attempt = 0; attempt < 20; attempt++) {
        try {
          const r = await post((attempt + i) % 2 ? b.url : a.url, body);
          if (r.status === 202 || r.status === 200) {
            if (!accepted.includes(r.body.task.id)) {
              accepted.push(r.body.task.id);
              names.push(name);
            }
            return;
          }
        } catch {
          /* refused: try again */
        }
        await sleep(250);
      }
      throw new Error(`customer ${i} was never accepted`);
    };
    say(`queues' slot ${slot} on master :${victim.port}`);
    const TOTAL = 300;
    const load = (async () => {
      for (let i = 0; i < TOTAL; i += 10) await Promise.all(Array.from({ length: 10 }, (_, j) => submit(i + j)));
    })();
    await until(() => accepted.length >= 80, 60_000, 'the first tasks to be accepted');
    say(`SIGKILL master :${victim.port} at ${accepted.length} accepted`);
    await killMaster(victim, 'SIGKILL');
    await sleep(1500);
    startMaster(victim);
    await until(() => cli(victim.port, 'ping').stdout.trim() === 'PONG', 15_000, 'the restarted master');
    say('master restarted');
    await load;
    say('load done');
    assert.equal(accepted.length, TOTAL + 1);

    const final = async () => (await db.query(`select count(*)::int as n from task where id = any($1) and status in ('succeeded', 'failed', 'cancelled')`, [accepted])).rows[0].n as number;
    await until(async () => (await final()) === accepted.length, 180_000, 'every accepted task to be final');
    say('every task final');
    const { rows: statuses } = await db.query(`select status, count(*)::int as n from task where id = any($1) group by status`, [accepted]);
    assert.deepEqual(statuses, [{ status: 'succeeded', n: accepted.length }]);
    const { rows } = await db.query(`select count(*)::int as n, count(distinct name)::int as d from customer where name = any($1)`, [names]);
    assert.deepEqual(rows[0], { n: accepted.length, d: accepted.length }, 'one customer per accepted task: nothing lost, nothing twice');

    // After the blow, results still fan out across web processes, and the rate-limit counters (logins) live in the cluster under the tag.
    const after = await openFeed(a.url, globex, 0);
    const late = await post(b.url, { token: globex, task: { action: 'create_customer', data: { name: 'cluster-after' } } });
    assert.equal(late.status, 202);
    await after.waitFor(() => after.results().some((m) => m.task?.id === late.body.task.id), 60_000);
    await after.close();
    say('checking the feed after the blow');
    // A failed login is counted (successes are not): its counter sits in the cluster.
    assert.equal((await post(a.url, { task: { action: 'login', data: { name: 'admin@acme.test', password: 'not the password' } } })).status, 401);
    say('failed login answered');
    const rl = spawnSync('redis-cli', ['-c', '-p', String(victim.port), '--scan', '--pattern', `${tagged}:rl:*`], { encoding: 'utf8' }).stdout.trim();
    assert.ok(rl.length > 0, 'the rate-limit store counts in the cluster, under the hash tag');

    say('rate-limit key found');
    // Bull Board reads the same queues through the cluster: the admin queue's completed jobs are there.
    const res = await fetch(`${a.url}${BOARD_PATH}/api/queues`, { headers: { cookie: `bureau_board=${acme}` }, signal: AbortSignal.timeout(30_000) });
    assert.equal(res.status, 200);
    const board = (await res.json()) as { queues: { name: string; counts: Record<string, number> }[] };
    assert.deepEqual(board.queues.map((q) => q.name).sort(), [...domains.workerKinds].sort());
    assert.ok((board.queues.find((q) => q.name === 'admin')!.counts.completed ?? 0) > 0, 'the board sees the admin queue\'s completed jobs');
    await dropRedisKeys(url, tagged);
  });
});
