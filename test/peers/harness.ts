/**
 * Shared by the same-promise peers' tests (bench/peers/<dir>/): a database of
 * the test's own (a clone of bureau's migrated demo template, so the worker's
 * `insert into "customer"` meets bureau's real table and foreign keys), the
 * peer's web and worker as child processes, plain websockets, and
 * `peerPromises(dir)`: the suite every peer must pass. It posts a few hundred
 * actions from several users with their websockets open, SIGKILLs the worker
 * mid-flight, starts it again, and checks what the peer promises: every 202
 * ends succeeded exactly once, each user's feed is 1..n with one entry per
 * task, and a websocket resuming from the middle gets exactly the rest.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import pg from 'pg';
import WebSocket from 'ws';
import { pickFreePort } from '../../src/infra/free-port.js';
import { spawnProc, type Proc } from '../../bench/lib/procs.js';
import { TEST_REDIS } from '../helpers/bureau.js';
import { testDatabase, until } from '../helpers/procs.js';

export interface PeerUser {
  user: number;
  tenant: number;
}

export interface PeerRig {
  url: string;
  databaseUrl: string;
  prefix: string;
  /** A pool on the peer's database, for the assertions' SQL. */
  db: pg.Pool;
  users: PeerUser[];
  /** SIGKILL to the worker's process group; resolves once it is gone. */
  killWorker(): Promise<void>;
  startWorker(): Promise<void>;
  /** SIGKILL to the web's process group; resolves once it is gone. */
  killWeb(): Promise<void>;
  startWeb(): Promise<void>;
  /** Stops both processes and drops the database (and Redis keys under the prefix). Logs are kept when `keepLogs`. */
  stop(keepLogs?: boolean): Promise<void>;
}

/** Starts bench/peers/<dir>/web.ts, then worker.ts (the web creates the tables and the queue's schema). `env`: extra variables for both (over the defaults). */
export async function startPeerRig(dir: string, opts: { users?: number; env?: NodeJS.ProcessEnv } = {}): Promise<PeerRig> {
  const database = await testDatabase();
  const logs = mkdtempSync(path.join(tmpdir(), `peer-${dir}-`));
  const port = await pickFreePort();
  const env = { ...process.env, DATABASE_URL: database.url, REDIS_URL: TEST_REDIS, PORT: String(port), PEER_PREFIX: database.prefix, ...opts.env };
  const db = new pg.Pool({ connectionString: database.url, max: 3 });
  db.on('error', () => undefined);
  const entry = (side: string) => ['--import', 'tsx', `bench/peers/${dir}/${side}.ts`];
  let worker: Proc | null = null;
  let web: Proc | null = null;
  let starts = 0;
  let webStarts = 0;
  const startWeb = async () => {
    web = spawnProc(`${dir}-web${++webStarts > 1 ? `-${webStarts}` : ''}`, entry('web'), env, logs);
    await web.waitFor(/listening/, 30_000);
  };
  const startWorker = async () => {
    worker = spawnProc(`${dir}-worker-${++starts}`, entry('worker'), env, logs);
    await worker.waitFor(/ready/, 30_000);
  };
  const stop = async (keepLogs = false) => {
    await Promise.allSettled([web?.stop(), worker?.stop()]);
    await db.end();
    await database.drop();
    if (keepLogs || process.env.PEER_TEST_KEEP_LOGS) console.error(`peer logs kept in ${logs}`);
    else rmSync(logs, { recursive: true, force: true });
  };
  try {
    await startWeb();
    await startWorker();
    const { rows } = await db.query<PeerUser>('select id as "user", tenant_id as tenant from app_user order by id limit $1', [opts.users ?? 4]);
    return {
      url: `http://127.0.0.1:${port}`,
      databaseUrl: database.url,
      prefix: database.prefix,
      db,
      users: rows,
      async killWorker() {
        const w = worker!;
        process.kill(-w.pid, 'SIGKILL');
        await w.exited;
      },
      startWorker,
      async killWeb() {
        const w = web!;
        process.kill(-w.pid, 'SIGKILL');
        await w.exited;
      },
      startWeb,
      stop,
    };
  } catch (err) {
    await stop(true);
    throw err;
  }
}

export async function postAct(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/act`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, body: await res.json().catch(() => null) };
}

export interface FeedMessage {
  user: number;
  seq: number;
  id: number;
  status: string;
  result: { id: number; name: string };
}

/** A plain websocket on `/ws?user=N&after=S`: every message after the hello, as it came. */
export class FeedReader {
  readonly messages: FeedMessage[] = [];
  private constructor(private readonly ws: WebSocket) {}

  static open(url: string, user: number, after = 0): Promise<FeedReader> {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws?user=${user}&after=${after}`);
    const reader = new FeedReader(ws);
    return new Promise((resolve, reject) => {
      let greeted = false;
      ws.on('message', (raw) => {
        const m = JSON.parse(raw.toString()) as { type?: string } & FeedMessage;
        if (!greeted) {
          greeted = m.type === 'hello';
          return greeted ? resolve(reader) : reject(new Error(`expected a hello, got ${raw.toString()}`));
        }
        reader.messages.push(m);
      });
      ws.on('error', reject);
    });
  }

  close(): void {
    this.ws.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The suite every same-promise peer passes. `dir`: its folder under bench/peers/.
 * `recoveryMs`: how long the restarted worker may take to get the killed one's
 * jobs back (a deadline that keeps a broken run from hanging, not a timing assertion).
 */
export function peerPromises(dir: string, opts: { actions?: number; users?: number; lanes?: number; recoveryMs?: number; env?: NodeJS.ProcessEnv } = {}): void {
  const ACTIONS = opts.actions ?? 300;
  const LANES = opts.lanes ?? 8;
  let rig: PeerRig;
  const accepted = new Map<number, PeerUser>();
  const readers = new Map<number, FeedReader>();
  const run = `r${Date.now().toString(36)}`;

  before(async function () {
    this.timeout(120_000);
    rig = await startPeerRig(dir, { users: opts.users ?? 4, env: opts.env });
    for (const u of rig.users) readers.set(u.user, await FeedReader.open(rig.url, u.user));

    // Act: LANES closed-loop lanes post ACTIONS actions round-robin over the users; the worker is SIGKILLed a third of the way in.
    let next = 0;
    let killed: Promise<void> | null = null;
    const lane = async () => {
      for (let i = next++; i < ACTIONS; i = next++) {
        const u = rig.users[i % rig.users.length]!;
        const r = await postAct(rig.url, { tenant: u.tenant, user: u.user, name: `${run}-${i}` });
        if (r.status !== 202) throw new Error(`POST /act answered ${r.status}: ${JSON.stringify(r.body)}`);
        accepted.set(r.body.id as number, u);
        if (accepted.size === Math.floor(ACTIONS / 3)) killed ??= rig.killWorker();
      }
    };
    await Promise.all(Array.from({ length: LANES }, lane));
    await killed;
    await rig.startWorker();
    await until(async () => {
      const { rows } = await rig.db.query<{ n: number }>(`select count(*)::int as n from ${rig.prefix}_task where status = 'succeeded'`);
      return rows[0]!.n === accepted.size;
    }, opts.recoveryMs ?? 45_000, `every accepted task to succeed after the worker's restart`);
    // The last NOTIFYs may still be on their way to the web.
    await until(() => [...readers.values()].reduce((n, r) => n + r.messages.length, 0) >= accepted.size, 10_000, 'every result on the websockets');
    await sleep(200);
  });

  after(async function () {
    for (const r of readers.values()) r.close();
    const failed = this.test?.parent?.tests.some((t) => t.state === 'failed') ?? false;
    await rig?.stop(failed);
  });

  it('has every accepted task (every 202) succeeded, its customer inserted exactly once', async () => {
    const tasks = await rig.db.query<{ id: string; status: string; name: string; customer: number | null }>(
      `select t.id, t.status, t.name, (t.result->>'id')::int as customer from ${rig.prefix}_task t`,
    );
    assert.deepEqual(tasks.rows.map((t) => Number(t.id)).sort((a, b) => a - b), [...accepted.keys()].sort((a, b) => a - b));
    assert.deepEqual(tasks.rows.filter((t) => t.status !== 'succeeded'), []);
    const customers = await rig.db.query<{ name: string; n: number; ids: number[] }>(
      `select name, count(*)::int as n, array_agg(id) as ids from customer where name like $1 group by name`,
      [`${run}-%`],
    );
    assert.equal(customers.rows.length, accepted.size);
    assert.deepEqual(customers.rows.filter((c) => c.n !== 1), []);
    const byName = new Map(customers.rows.map((c) => [c.name, c.ids[0]]));
    assert.deepEqual(tasks.rows.filter((t) => byName.get(t.name) !== t.customer), []);
  });

  it("appends one entry per task to its user's feed, seqs 1..n without a gap", async () => {
    for (const u of rig.users) {
      const mine = [...accepted].filter(([, owner]) => owner.user === u.user).map(([id]) => id);
      const { rows } = await rig.db.query<{ seq: string; task_id: string }>(`select seq, task_id from ${rig.prefix}_feed where user_id = $1 order by seq`, [u.user]);
      assert.deepEqual(rows.map((r) => Number(r.seq)), mine.map((_, i) => i + 1));
      assert.deepEqual(rows.map((r) => Number(r.task_id)).sort((a, b) => a - b), mine.sort((a, b) => a - b));
    }
  });

  it('sends each open websocket every entry of its user once, in seq order, through the kill', () => {
    for (const u of rig.users) {
      const got = readers.get(u.user)!.messages;
      const mine = [...accepted].filter(([, owner]) => owner.user === u.user).map(([id]) => id);
      assert.deepEqual(got.map((m) => m.seq), mine.map((_, i) => i + 1));
      assert.deepEqual(got.map((m) => m.id).sort((a, b) => a - b), mine.sort((a, b) => a - b));
      assert.equal(got.every((m) => m.user === u.user && m.status === 'succeeded' && typeof m.result.id === 'number'), true);
    }
  });

  it('resumes a websocket from an `after` in the middle with exactly the rest, in order', async () => {
    const u = rig.users[0]!;
    const all = readers.get(u.user)!.messages;
    const after = Math.floor(all.length / 2);
    const resumed = await FeedReader.open(rig.url, u.user, after);
    try {
      await until(() => resumed.messages.length >= all.length - after, 10_000, 'the rest of the feed');
      await sleep(200);
      assert.deepEqual(resumed.messages, all.slice(after));
    } finally {
      resumed.close();
    }
  });

  it('refuses malformed JSON and missing fields with 400 and a message saying what is wrong', async () => {
    const u = rig.users[0]!;
    const malformed = await postAct(rig.url, '{"tenant": 1,');
    assert.equal(malformed.status, 400);
    assert.match(malformed.body.error.message, /JSON/i);
    const missing = await postAct(rig.url, { tenant: u.tenant, user: u.user });
    assert.equal(missing.status, 400);
    assert.match(missing.body.error.message, /name/);
  });
}
