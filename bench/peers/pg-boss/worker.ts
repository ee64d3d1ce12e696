/**
 * The pg-boss peer (pg-boss 10.4.2), worker half. pg-boss 10 has no teamSize:
 * each `work()` call adds a polling worker, and `batchSize` is how many jobs one
 * fetch takes. WORKERS loops fetch up to BATCH jobs each; a batch's jobs run at
 * once, each in its own transaction (`finish()`) on a pool of POOL connections
 * (64 jobs in flight over 16 connections, as the baseline worker runs), and the
 * batch completes (or fails, and is retried: `finish()` skips what already
 * succeeded) when all are done.
 *
 * Waking: stock pg-boss polls (`pollingIntervalSeconds`, 2 s, 0.5 s at least).
 * The web NOTIFYs the wake channel in each job's transaction; a LISTEN here
 * calls `notifyWorker(id)` (pg-boss's hook to skip a worker's polling wait) on
 * an idle worker, or on every worker when all are busy, so they fetch again as
 * soon as their batch is done. A worker whose batch came back full fetches again
 * at once. The stock 2 s poll stays as the fallback (retries, missed
 * notifications). The supervisor's maintenance runs every 5 s instead of 2 min,
 * so a killed worker's jobs come back soon after they expire (queue.ts).
 *
 * Env: DATABASE_URL, PEER_PREFIX.
 */
import PgBoss from 'pg-boss';
import pg from 'pg';
import { onShutdown, peerEnv } from '../common/env.js';
import { finish } from '../common/finish.js';
import { listen } from '../common/pg-listen.js';
import { peerTables } from '../common/schema.js';
import { pooledTransaction } from '../common/transaction.js';
import { QUEUE, bossSchema, readPayload, wakeChannel } from './queue.js';

const WORKERS = 4;
const BATCH = 16;
const POOL = 16;

const env = peerEnv();
const tables = peerTables(env.prefix);
const pool = new pg.Pool({ connectionString: env.databaseUrl, max: POOL });

async function runJob(data: unknown): Promise<void> {
  const { task } = readPayload(data);
  await pooledTransaction(pool, (client) => finish(client, tables, { id: task }, { notify: true }));
}

const boss = new PgBoss({
  connectionString: env.databaseUrl,
  schema: bossSchema(env.prefix),
  max: WORKERS + 4,
  schedule: false,
  maintenanceIntervalSeconds: 5,
});
boss.on('error', (err) => console.error(`pg-boss: ${err.message}`));
await boss.start();

const workers: { id: string; busy: boolean }[] = [];
for (let i = 0; i < WORKERS; i++) {
  const w = { id: '', busy: false };
  w.id = await boss.work(QUEUE, { batchSize: BATCH }, async (jobs) => {
    w.busy = true;
    try {
      const failed = (await Promise.allSettled(jobs.map((job) => runJob(job.data)))).find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    } finally {
      w.busy = false;
    }
    if (jobs.length === BATCH) boss.notifyWorker(w.id);
  });
  workers.push(w);
}

let turn = 0;
function wakeOne(): void {
  for (let k = 0; k < workers.length; k++) {
    const w = workers[(turn + k) % workers.length]!;
    if (!w.busy) {
      turn = (turn + k + 1) % workers.length;
      return boss.notifyWorker(w.id);
    }
  }
  for (const w of workers) boss.notifyWorker(w.id);
}

// A wake missed while the listener reconnects is found by the next poll; wake a worker anyway to look now.
const listener = await listen(env.databaseUrl, wakeChannel(env.prefix), wakeOne, wakeOne);
console.log(`pg-boss peer worker ready (${WORKERS} workers x batch ${BATCH})`);

onShutdown(async () => {
  await listener.close();
  await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
  await pool.end();
});
