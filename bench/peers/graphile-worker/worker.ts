/**
 * The graphile-worker peer (graphile-worker 0.17.3), worker half: one
 * `create_customer` task whose executor runs `finish()` (task row locked, the
 * customer inserted once, the result and the owner's feed entry stored, a
 * NOTIFY to the web) in one transaction on a client of the worker's own pool.
 *
 * Tuned as graphile-worker's performance page advises: `concurrentJobs` jobs at
 * once; `maxPoolSize` above `concurrentJobs + 2` because the executors take
 * their transaction's client from the same pool; batching on (a local queue of
 * `concurrentJobs + 1`, job completions released in batches with delay 0).
 * New jobs wake it through LISTEN/NOTIFY (add_job notifies); `pollInterval`
 * (stock 2 s) only catches what a notification missed. A worker that died
 * without cleaning up has its jobs unlocked by reclaim.ts instead of after 4 h.
 * Its per-job INFO lines are left out (warnings and errors are kept), as the
 * baseline logs nothing per job either.
 *
 * Env: DATABASE_URL, PEER_PREFIX.
 */
import { EventEmitter } from 'node:events';
import { Logger, consoleLogFactory, run, type Task, type WorkerEvents } from 'graphile-worker';
import { onShutdown, peerEnv } from '../common/env.js';
import { finish } from '../common/finish.js';
import { peerTables } from '../common/schema.js';
import { transaction } from '../common/transaction.js';
import { TASK, readPayload, workerSchema } from './queue.js';
import { holdPoolLiveness } from './reclaim.js';

const CONCURRENCY = 16;
const SWEEP_MS = 5_000;

const env = peerEnv();
const tables = peerTables(env.prefix);
const schema = workerSchema(env.prefix);

const createCustomer: Task = async (payload, helpers) => {
  const { task } = readPayload(payload);
  await helpers.withPgClient((client) => transaction(client, (c) => finish(c, tables, { id: task }, { notify: true })));
};

const quietLogger = new Logger((scope) => {
  const log = consoleLogFactory(scope);
  return (level, message) => (String(level) === 'error' || String(level) === 'warning' ? log(level, message) : undefined);
});

const events: WorkerEvents = new EventEmitter();
let poolId: string | undefined;
events.on('pool:create', ({ workerPool }) => {
  poolId = workerPool.id;
});

const runner = await run({
  noHandleSignals: true,
  taskList: { [TASK]: createCustomer },
  preset: {
    worker: {
      connectionString: env.databaseUrl,
      schema,
      events,
      logger: quietLogger,
      concurrentJobs: CONCURRENCY,
      maxPoolSize: CONCURRENCY + 4,
      pollInterval: 2_000,
      localQueue: { size: CONCURRENCY + 1 },
      completeJobBatchDelay: 0,
      failJobBatchDelay: 0,
    },
  },
});
if (!poolId) throw new Error('graphile-worker did not announce its worker pool');
const reclaimer = await holdPoolLiveness(env.databaseUrl, schema, poolId);
const sweep = () =>
  reclaimer.sweep().then(
    (ids) => ids.length > 0 && console.log(`unlocked the jobs of dead worker pools ${ids.join(', ')}`),
    (err: Error) => console.error(`reclaim sweep failed: ${err.message}`),
  );
await sweep();
const sweeper = setInterval(() => void sweep(), SWEEP_MS);
console.log(`graphile-worker peer worker ready (pool ${poolId})`);

onShutdown(async () => {
  clearInterval(sweeper);
  await runner.stop();
  await reclaimer.close();
});
