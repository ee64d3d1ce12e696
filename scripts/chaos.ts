/**
 * `npm run chaos`: the full reliability runs, with their figures.
 *
 *  1. the crash storm with the queues on Redis: 10k actions from 48 clients; a
 *     worker SIGKILLed every 2 s, Redis SIGKILLed (appendonly yes) and restarted,
 *     PostgreSQL restarted in immediate mode, the web process SIGTERMed, and
 *     Redis flushed once (every job gone: the reconciler must find them all);
 *  2. the same storm, less the Redis blows, with the queues on BullMQ's
 *     PostgreSQL backend and no Redis at all;
 *  3. the feed under churn: 50 websocket clients dropping every 1-3 s across
 *     two web processes (needs the test PostgreSQL and Redis, like `npm test`).
 *
 * CHAOS_ONLY=redis,postgres,churn picks runs; CHAOS_ACTIONS / CHAOS_PG_ACTIONS
 * size the storms; CHAOS_VERBOSE=1 prints each blow as it lands.
 */
import pg from 'pg';
import { pickFreePort } from '../src/infra/free-port.js';
import { formatChurn, runChurn } from '../test/chaos/churn.js';
import { formatReport, runStorm } from '../test/chaos/storm.js';
import { startTestBureau } from '../test/helpers/bureau.js';
import { procEnv, spawnProc, waitForPing } from '../test/helpers/procs.js';

const only = (process.env.CHAOS_ONLY ?? 'redis,postgres,churn').split(',');
const verbose = process.env.CHAOS_VERBOSE ? (line: string) => console.log(line) : undefined;
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
let failed = false;

if (only.includes('redis')) {
  const report = await runStorm({
    actions: num('CHAOS_ACTIONS', 10_000),
    clients: 48,
    backend: 'redis',
    workerKillEveryMs: 2000,
    redisKillAt: 0.3,
    pgRestartAt: 0.5,
    webRestartAt: 0.7,
    redisFlushAt: 0.85,
    settleMs: 90_000,
    log: verbose,
  });
  console.log(formatReport(report) + '\n');
  failed ||= !report.ok;
}

if (only.includes('postgres')) {
  const report = await runStorm({
    actions: num('CHAOS_PG_ACTIONS', 5000),
    clients: 32,
    backend: 'postgres',
    workerKillEveryMs: 2000,
    redisKillAt: null,
    pgRestartAt: 0.5,
    webRestartAt: 0.7,
    settleMs: 90_000,
    log: verbose,
  });
  console.log(formatReport(report) + '\n');
  failed ||= !report.ok;
}

if (only.includes('churn')) {
  const b = await startTestBureau();
  const port = await pickFreePort();
  const web2 = spawnProc('web', procEnv({ databaseUrl: b.config.databaseUrl, redisUrl: b.config.redisUrl, prefix: b.config.queuePrefix, port }));
  try {
    const url2 = `http://127.0.0.1:${port}`;
    await waitForPing(url2);
    const db = new pg.Pool({ connectionString: b.config.databaseUrl, max: 4 });
    const users = [];
    for (const tenant of ['acme', 'globex']) {
      for (const local of ['admin', 'compliance1', 'compliance2', 'compliance3', 'service1', 'service2']) {
        const email = `${local}@${tenant}.test`;
        const { rows } = await db.query(`select u.id, u.role, (select min(c.id) from customer c where c.tenant_id = u.tenant_id) as cid from app_user u where email = $1`, [email]);
        users.push({ email, token: await b.login(email), id: rows[0].id, role: rows[0].role, cid: rows[0].cid });
      }
    }
    const report = await runChurn({ webs: [b.url, url2], db, users, clients: 50, produceMs: num('CHAOS_CHURN_MS', 60_000), settleMs: 120_000 });
    console.log(formatChurn(report) + '\n');
    failed ||= report.problems.length > 0;
    await db.end();
  } finally {
    await web2.stop();
    await b.close();
  }
}

process.exit(failed ? 1 : 0);
