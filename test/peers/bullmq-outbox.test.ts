/**
 * The bullmq-outbox peer (bench/peers/bullmq-outbox/): the promises every peer
 * keeps through a SIGKILLed worker (harness.ts), and its own: a door that loses
 * Redis still answers 202 (task and outbox row committed), a door killed then
 * leaves its outbox rows behind, and the next door's relay adds their jobs.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { TEST_REDIS } from '../helpers/bureau.js';
import { until } from '../helpers/procs.js';
import { FeedReader, peerPromises, postAct, startPeerRig, type PeerRig, type PeerUser } from './harness.js';

const DIR = 'bullmq-outbox';
/** BullMQ's lock and stalled-check period, shortened so a killed worker's jobs come back within seconds (defaults: 30 s each). */
const SHORT_LOCKS = { JOB_LOCK_MS: '4000', STALLED_INTERVAL_MS: '1000' };

/** A TCP relay in front of Redis that the test can cut: while cut, every connection to it is closed at once. */
class RedisLine {
  private readonly sockets = new Set<net.Socket>();
  private cutOff = false;
  private constructor(
    private readonly server: net.Server,
    readonly url: string,
  ) {}

  static async open(redisUrl: string): Promise<RedisLine> {
    const target = new URL(redisUrl);
    const server = net.createServer();
    const line = await new Promise<RedisLine>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        const u = new URL(redisUrl);
        u.hostname = '127.0.0.1';
        u.port = String(port);
        resolve(new RedisLine(server, u.toString()));
      });
    });
    server.on('connection', (client) => line.relay(client, target));
    return line;
  }

  private relay(client: net.Socket, target: URL): void {
    if (this.cutOff) return void client.destroy();
    const upstream = net.connect(Number(target.port || 6379), target.hostname);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        this.sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  }

  cut(): void {
    this.cutOff = true;
    for (const s of this.sockets) s.destroy();
  }

  restore(): void {
    this.cutOff = false;
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('bullmq-outbox peer (bench/peers/bullmq-outbox)', function () {
  this.timeout(60_000);
  peerPromises(DIR, { env: SHORT_LOCKS });
});

describe('bullmq-outbox peer: a door that loses Redis and is killed', function () {
  this.timeout(60_000);
  const ACTIONS = 40;
  let line: RedisLine;
  let rig: PeerRig;
  const accepted = new Map<number, PeerUser>();
  let rowsBeforeKill: number[] = [];
  let rowsAfterKill: number[] = [];
  const run = `o${Date.now().toString(36)}`;
  const outboxIds = async () =>
    (await rig.db.query<{ task_id: string }>(`select task_id from ${rig.prefix}_outbox order by task_id`)).rows.map((r) => Number(r.task_id));

  before(async function () {
    this.timeout(120_000);
    line = await RedisLine.open(TEST_REDIS);
    rig = await startPeerRig(DIR, { users: 2, env: { ...SHORT_LOCKS, REDIS_URL: line.url } });

    // Act: Redis goes away (for the door and the worker alike), actions are accepted, the door is SIGKILLed, Redis comes back, a new door starts.
    line.cut();
    for (let i = 0; i < ACTIONS; i++) {
      const u = rig.users[i % rig.users.length]!;
      const r = await postAct(rig.url, { tenant: u.tenant, user: u.user, name: `${run}-${i}` });
      if (r.status !== 202) throw new Error(`POST /act answered ${r.status} while Redis was away: ${JSON.stringify(r.body)}`);
      accepted.set(r.body.id as number, u);
    }
    rowsBeforeKill = await outboxIds();
    await rig.killWeb();
    rowsAfterKill = await outboxIds();
    line.restore();
    await rig.startWeb();
    await until(async () => {
      const { rows } = await rig.db.query<{ n: number }>(`select count(*)::int as n from ${rig.prefix}_task where status = 'succeeded'`);
      return rows[0]!.n === accepted.size;
    }, 45_000, 'every accepted task to succeed after the door came back');
  });

  after(async function () {
    const failed = this.test?.parent?.tests.some((t) => t.state === 'failed') ?? false;
    await rig?.stop(failed);
    await line?.close();
  });

  it('answers 202 for every action while Redis is away, with an outbox row per accepted task', () => {
    const ids = [...accepted.keys()].sort((a, b) => a - b);
    assert.equal(ids.length, ACTIONS);
    assert.deepEqual(rowsBeforeKill, ids);
  });

  it('keeps those outbox rows through a SIGKILL of the door', () => {
    assert.deepEqual(rowsAfterKill, [...accepted.keys()].sort((a, b) => a - b));
  });

  it('has the restarted door relay them: every task succeeds, its customer inserted once, and the outbox is empty', async () => {
    const customers = await rig.db.query<{ name: string; n: number }>(
      `select name, count(*)::int as n from customer where name like $1 group by name`,
      [`${run}-%`],
    );
    assert.equal(customers.rows.length, ACTIONS);
    assert.deepEqual(customers.rows.filter((c) => c.n !== 1), []);
    await until(async () => (await outboxIds()).length === 0, 10_000, 'the outbox to empty');
  });

  it("gives each user's new websocket every entry from seq 1, once, in order", async () => {
    for (const u of rig.users) {
      const mine = [...accepted].filter(([, owner]) => owner.user === u.user).map(([id]) => id);
      const reader = await FeedReader.open(rig.url, u.user, 0);
      try {
        await until(() => reader.messages.length >= mine.length, 10_000, `user ${u.user}'s feed`);
        await new Promise((r) => setTimeout(r, 200)); // room for a duplicate to show up
        assert.deepEqual(reader.messages.map((m) => m.seq), mine.map((_, i) => i + 1));
        assert.deepEqual(reader.messages.map((m) => m.id).sort((a, b) => a - b), mine.sort((a, b) => a - b));
      } finally {
        reader.close();
      }
    }
  });
});
