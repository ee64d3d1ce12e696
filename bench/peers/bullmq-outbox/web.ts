/**
 * The bullmq-outbox peer, web process: the common peer web (POST /act, the
 * resumable /ws feed) with a hand-written outbox. In the door's transaction
 * the task row and an outbox row; after COMMIT the 202 goes out and the job is
 * added (job id from the task id) and the outbox row deleted; a relay loop
 * adds the jobs of outbox rows left behind (a process killed between COMMIT
 * and the add, Redis away). Live results arrive by Redis pub/sub.
 *
 * Env: DATABASE_URL, REDIS_URL, PORT, PEER_PREFIX (tables, BullMQ `prefix`,
 * channel). Prints `listening` once it accepts requests.
 */
import pg from 'pg';
import { onShutdown, peerEnv } from '../common/env.js';
import { peerTables } from '../common/schema.js';
import { startPeerWeb } from '../common/web.js';
import { dispatch, ensureOutbox, insertOutbox, outboxTable, startRelay } from './outbox.js';
import { openQueue } from './queue.js';
import { feedChannel, redisLive } from './redis-live.js';

const env = peerEnv();
const log = (msg: string) => console.error(msg);
const outbox = outboxTable(env.prefix);
// One pool for the door, the feed reads, the outbox deletes and the relay: 16, as the baseline worker's.
const pool = new pg.Pool({ connectionString: env.databaseUrl, max: 16 });
pool.on('error', (err) => log(`idle pg client: ${err.message}`));
await ensureOutbox(pool, outbox);
const queue = await openQueue(env.redisUrl, env.prefix, log);

/** Dispatches started after a 202 and not finished yet: shutdown waits for them. */
const dispatching = new Set<Promise<boolean>>();

const web = await startPeerWeb({
  databaseUrl: env.databaseUrl,
  port: env.port,
  tables: peerTables(env.prefix),
  pool,
  enqueue: (client, task) => insertOutbox(client, outbox, String(task.id)),
  afterCommit(task) {
    const p = dispatch(pool, queue, outbox, String(task.id)).finally(() => dispatching.delete(p));
    dispatching.add(p);
  },
  live: (deliver, onGap) => redisLive(env.redisUrl, feedChannel(env.prefix), deliver, onGap),
});
// Rows younger than 2 s belong to a dispatch still under way; every second is the relay's beat.
const relay = startRelay(pool, queue, outbox, { graceMs: 2000, everyMs: 1000, batch: 500, log });

onShutdown(async () => {
  await web.close();
  await Promise.allSettled(dispatching);
  await relay.stop();
  await queue.close();
  await pool.end();
});
console.log(`bullmq-outbox web listening on ${web.port}`);
