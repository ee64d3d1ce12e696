import assert from 'node:assert/strict';
import { promises as fs, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../src/infra/embedded-postgres.js';
import { findRedisServer, startRedisChild, type RedisChildHandle } from '../../src/infra/redis-child.js';

/**
 * A scratch directory under os.tmpdir(). mkdtemp creates it 0700; when we run
 * as root, postgres runs as the `postgres` user and must be able to enter it.
 */
async function scratchDir(prefix: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  await fs.chmod(dir, 0o755);
  return dir;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const hasProc = (() => {
  try {
    return statSync('/proc/self').isDirectory();
  } catch {
    return false;
  }
})();

/** Pids of postgres processes working in `dir` (postgres chdirs into its data directory); Linux only. */
async function postgresProcessesIn(dir: string): Promise<number[]> {
  const entries = await fs.readdir('/proc');
  const real = await fs.realpath(dir);
  const pids: number[] = [];
  for (const name of entries.filter((entry) => /^\d+$/.test(entry))) {
    try {
      const [cwd, comm] = await Promise.all([fs.readlink(`/proc/${name}/cwd`), fs.readFile(`/proc/${name}/comm`, 'utf8')]);
      if (cwd === real && comm.trim() === 'postgres') pids.push(Number(name));
    } catch {
      // exited meanwhile, or not inspectable
    }
  }
  return pids;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('infra: redis-server child', function () {
  this.timeout(60_000);
  let dir: string;
  const handles: RedisChildHandle[] = [];

  before(async function () {
    if (findRedisServer() === null) this.skip();
    dir = await scratchDir('bureau-redis-');
  });

  afterEach(async () => {
    await Promise.all(handles.splice(0).map((handle) => handle.stop()));
  });

  after(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('finds redis-server as an absolute path', () => {
    const found = findRedisServer();
    assert.ok(found !== null && path.isAbsolute(found));
  });

  it('starts, answers SET/GET, and leaves no process after stop()', async () => {
    const redis = await startRedisChild({ dataDir: path.join(dir, 'a') });
    handles.push(redis);
    assert.match(redis.url, /^redis:\/\/127\.0\.0\.1:\d+$/);

    const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      assert.equal(await client.set('greeting', 'hello'), 'OK');
      assert.equal(await client.get('greeting'), 'hello');
    } finally {
      client.disconnect();
    }

    await redis.stop();
    assert.throws(() => process.kill(redis.pid, 0), { code: 'ESRCH' });
    await redis.stop(); // idempotent
  });

  it('keeps data across a restart on the same directory (AOF)', async () => {
    const dataDir = path.join(dir, 'b');
    const first = await startRedisChild({ dataDir });
    handles.push(first);
    const writer = new Redis(first.url, { maxRetriesPerRequest: 1 });
    await writer.set('survives', 'yes');
    writer.disconnect();
    await first.stop();

    const second = await startRedisChild({ dataDir });
    handles.push(second);
    const reader = new Redis(second.url, { maxRetriesPerRequest: 1 });
    try {
      assert.equal(await reader.get('survives'), 'yes');
    } finally {
      reader.disconnect();
    }
  });

  it('rejects with redis-server output when it exits during startup', async () => {
    // Destroy accepted sockets: our readiness PINGs may reach the blocker, and close() waits for them.
    const blocker = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      await assert.rejects(startRedisChild({ dataDir: path.join(dir, 'c'), port }), (err: Error) => {
        assert.match(err.message, /exited during startup/);
        assert.match(err.message, /in use/i);
        return true;
      });
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});

describe('infra: embedded postgres', function () {
  this.timeout(60_000);
  let dir: string;
  let dataDir: string;
  let server: EmbeddedPostgresHandle | undefined;

  before(async () => {
    dir = await scratchDir('bureau-pg-');
    dataDir = path.join(dir, 'pg');
  });

  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  after(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('initialises, serves SELECT 1, and stop() leaves no postgres behind', async () => {
    const signalListeners = process.listenerCount('SIGINT') + process.listenerCount('SIGTERM');
    server = await startEmbeddedPostgres({ dataDir, database: 'bureau_test' });
    assert.match(server.url, /^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/bureau_test$/);
    // embedded-postgres's own signal hooks would race the application's shutdown.
    assert.equal(process.listenerCount('SIGINT') + process.listenerCount('SIGTERM'), signalListeners);

    const rows = await query<{ one: number }>(server.url, 'SELECT 1 AS one');
    assert.deepEqual(rows, [{ one: 1 }]);
    if (hasProc) assert.ok((await postgresProcessesIn(dataDir)).length > 0, 'postgres should be running in the data dir');

    await server.stop();
    await server.stop(); // idempotent
    if (hasProc) assert.deepEqual(await postgresProcessesIn(dataDir), []);
    await assert.rejects(fs.access(path.join(dataDir, 'postmaster.pid')), 'a clean shutdown removes the lock file');
  });

  it('reuses the data directory on restart', async () => {
    server = await startEmbeddedPostgres({ dataDir, database: 'bureau_test' });
    await query(server.url, 'CREATE TABLE kept (note text); INSERT INTO kept VALUES ($$still here$$)');
    await server.stop();

    server = await startEmbeddedPostgres({ dataDir, database: 'bureau_test' });
    const rows = await query<{ note: string }>(server.url, 'SELECT note FROM kept');
    assert.deepEqual(rows, [{ note: 'still here' }]);
  });

  it('refuses a second server on a data directory that is in use', async () => {
    server = await startEmbeddedPostgres({ dataDir, database: 'bureau_test' });
    const pids = hasProc ? await postgresProcessesIn(dataDir) : [];
    // Our own check says "already running"; without /proc postgres's lock file "already exists".
    await assert.rejects(startEmbeddedPostgres({ dataDir, database: 'bureau_test' }), /already (running|exists)/);
    assert.ok(pids.every(isAlive), 'the running server must be left alone');
    assert.deepEqual(await query(server.url, 'SELECT 1 AS one'), [{ one: 1 }]);
  });
});
