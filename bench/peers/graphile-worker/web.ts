/**
 * The graphile-worker peer, web half. `POST /act` inserts the task row and
 * calls graphile-worker's `add_job` SQL function on the same client, in the
 * same transaction (graphile-worker's documented way to add a job from your
 * own transaction: `addJob()` is a wrapper over that function); add_job's
 * NOTIFY wakes the worker at COMMIT. Results come back by LISTEN on the peer's
 * feed channel. graphile-worker's migrations run here, before `listening`, so
 * add_job exists for the first request.
 *
 * Env: DATABASE_URL, PORT, PEER_PREFIX.
 */
import { runMigrations } from 'graphile-worker';
import { onShutdown, peerEnv } from '../common/env.js';
import { pgListen } from '../common/pg-listen.js';
import { peerTables } from '../common/schema.js';
import { startPeerWeb } from '../common/web.js';
import { TASK, workerSchema, type Payload } from './queue.js';

const env = peerEnv();
const tables = peerTables(env.prefix);
const schema = workerSchema(env.prefix);

await runMigrations({ connectionString: env.databaseUrl, schema });
const web = await startPeerWeb({
  databaseUrl: env.databaseUrl,
  port: env.port,
  tables,
  live: pgListen(env.databaseUrl, tables.channel),
  async enqueue(client, task) {
    const payload: Payload = { task: task.id };
    await client.query(`select ${schema}.add_job($1, $2::json)`, [TASK, JSON.stringify(payload)]);
  },
});
console.log(`graphile-worker peer web listening on ${web.port}`);
onShutdown(() => web.close());
