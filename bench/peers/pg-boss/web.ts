/**
 * The pg-boss peer, web half. `POST /act` inserts the task row and sends the
 * job with `boss.send(..., { db })` on the same client, in the same
 * transaction (pg-boss's documented way to create a job inside your own
 * transaction: the `db` option, an object with `executeSql`), then queues a
 * NOTIFY on the peer's wake channel, delivered at COMMIT, so the worker need
 * not wait for its next poll. pg-boss's schema and the queue are created here,
 * before `listening`; this instance neither works, supervises nor schedules.
 *
 * Env: DATABASE_URL, PORT, PEER_PREFIX.
 */
import PgBoss from 'pg-boss';
import { onShutdown, peerEnv } from '../common/env.js';
import { pgListen } from '../common/pg-listen.js';
import { peerTables } from '../common/schema.js';
import { startPeerWeb } from '../common/web.js';
import { QUEUE, QUEUE_POLICY, bossSchema, wakeChannel, type Payload } from './queue.js';

const env = peerEnv();
const tables = peerTables(env.prefix);
const wake = wakeChannel(env.prefix);

const boss = new PgBoss({ connectionString: env.databaseUrl, schema: bossSchema(env.prefix), max: 2, supervise: false, schedule: false });
boss.on('error', (err) => console.error(`pg-boss: ${err.message}`));
await boss.start();
await boss.createQueue(QUEUE, QUEUE_POLICY);

const web = await startPeerWeb({
  databaseUrl: env.databaseUrl,
  port: env.port,
  tables,
  live: pgListen(env.databaseUrl, tables.channel),
  async enqueue(client, task) {
    const payload: Payload = { task: task.id };
    const id = await boss.send(QUEUE, payload, { db: { executeSql: (text, values) => client.query(text, values) } });
    if (!id) throw new Error(`pg-boss did not create the job of task ${task.id}`);
    await client.query('select pg_notify($1, null)', [wake]);
  },
});
console.log(`pg-boss peer web listening on ${web.port}`);
onShutdown(async () => {
  await web.close();
  await boss.stop({ graceful: false, wait: true });
});
