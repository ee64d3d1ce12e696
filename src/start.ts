import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, type Config } from './config.js';
import { domains } from './domains.js';
import { newToken } from './domains/accounts/passwords.js';
import { migrate, openOrm } from './infra/db.js';
import { startEmbeddedPostgres } from './infra/embedded-postgres.js';
import { createLogger } from './infra/logger.js';
import { migrateQueueSchema } from './infra/queue-schema.js';
import { findRedisServer, startRedisChild } from './infra/redis-child.js';
import { startTracing } from './infra/tracing.js';
import { onShutdown } from './process.js';
import { openRuntime, startWeb, startWorkers } from './runtime.js';
import { demoLogins, isEmpty, loadDemo, missingDemoSets, syncDemoPassword } from '../fixtures/demo.js';

/**
 * `npm start`: the embedded default. Uses DATABASE_URL / REDIS_URL when set;
 * otherwise runs a private PostgreSQL (data under .data/pg) and a private
 * redis-server child (when one is on the PATH), or puts the queues on BullMQ's
 * PostgreSQL backend. Migrates, loads the demo data into an empty database, and
 * runs web + every worker kind in this one process. Ctrl-C stops all of it.
 */
const base = loadConfig();
const log = createLogger(base.logLevel, 'bureau');
const stops: (() => Promise<void>)[] = [];
let shuttingDown = false;
onShutdown(log, async () => {
  shuttingDown = true;
  for (const stop of stops.reverse()) await stop().catch((err: Error) => log.warn({ err: err.message }, 'stop step failed'));
});

async function main(): Promise<void> {
  mkdirSync(base.dataDir, { recursive: true });
  let databaseUrl = base.databaseUrl;
  if (!databaseUrl) {
    const pg = await startEmbeddedPostgres({ dataDir: path.resolve(base.dataDir, 'pg'), database: 'bureau', log: (m) => log.debug(m) });
    stops.push(pg.stop);
    databaseUrl = pg.url;
    log.info({ dataDir: path.join(base.dataDir, 'pg') }, 'DATABASE_URL not set: started an embedded PostgreSQL');
  }
  let redisUrl = base.redisUrl;
  let queueBackend = base.queueBackend;
  if (!redisUrl && queueBackend !== 'postgres') {
    throw new Error('QUEUE_BACKEND=redis needs REDIS_URL');
  }
  if (!redisUrl && !process.env.QUEUE_BACKEND) {
    const binary = findRedisServer();
    if (binary) {
      const redis = await startRedisChild({ dataDir: path.resolve(base.dataDir, 'redis'), binary, log: (m) => log.debug(m) });
      stops.push(redis.stop);
      redisUrl = redis.url;
      queueBackend = 'redis';
      log.info({ binary }, 'REDIS_URL not set: started a private redis-server (appendonly yes)');
    } else {
      log.info('REDIS_URL not set and no redis-server on the PATH: queues run on BullMQ\'s PostgreSQL backend, results fan out by LISTEN/NOTIFY');
    }
  }
  const config: Config = loadConfig(process.env, { databaseUrl, redisUrl, queueBackend });

  const orm = await openOrm(config, { poolMax: 2 });
  stops.push(() => orm.close(true));
  const applied = await migrate(orm);
  if (applied.length) log.info({ applied }, 'migrations applied');
  if (config.queueBackend === 'postgres') await migrateQueueSchema(config);
  const password = await demoPassword(config, orm);

  const tracing = startTracing(config, 'bureau');
  if (tracing) stops.push(() => tracing.shutdown());
  const rt = await openRuntime(config, log);
  stops.push(() => rt.close());
  const workers = await startWorkers(rt, domains.workerKinds);
  stops.push(() => workers.close());
  const web = await startWeb(rt);
  stops.push(() => web.close());
  if (shuttingDown) return;

  const url = `http://localhost:${web.port}`;
  const lines = [
    '',
    `bureau is running (queues on ${config.queueBackend === 'redis' ? `Redis ${redisUrl === base.redisUrl ? '(REDIS_URL)' : '(private redis-server)'}` : 'PostgreSQL (BullMQ PostgreSQL backend)'}, data in ${base.databaseUrl ? 'DATABASE_URL' : 'embedded PostgreSQL'})`,
    `  console    ${url}/console/   (log in with a demo login below)`,
    `  api        POST ${url}/api/v1`,
    `  websocket  ws://localhost:${web.port}/ws`,
    `  actions    ${url}/api/v1/actions`,
    `  mail       ${rt.mailer.describe}${config.smtpUrl ? '' : ' (set SMTP_URL to send for real)'}`,
    '',
    `demo logins (password: ${password ?? 'set when the database was first filled; see BUREAU_DEMO_PASSWORD'}):`,
    ...demoLogins().map((l) => `  ${l}`),
    '',
    'Ctrl-C stops everything.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

/** The demo password: BUREAU_DEMO_PASSWORD, else generated once and kept in .data/demo-password. */
async function demoPassword(config: Config, orm: Awaited<ReturnType<typeof openOrm>>): Promise<string | undefined> {
  const file = path.resolve(config.dataDir, 'demo-password');
  const empty = await isEmpty(orm.em.fork());
  const missing = await missingDemoSets(orm.em.fork());
  let password = config.demoPassword ?? (!empty && existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined);
  let generated = false;
  if (!password) {
    if (!missing.length) return undefined;
    password = newToken(12);
    writeFileSync(file, password + '\n', { mode: 0o600 });
    generated = true;
  }
  // The printed logins must work: demo users of earlier loads take the password printed now.
  if (!empty && (config.demoPassword || generated) && (await syncDemoPassword(orm.em.fork(), password, config))) log.info('demo users now use the printed demo password');
  const loaded = await loadDemo(orm.em.fork(), password, config);
  if (loaded.length) log.info({ sets: loaded }, 'loaded the missing demo data sets');
  return password;
}

main().catch((err: Error) => {
  log.error({ err }, 'bureau failed to start');
  void Promise.allSettled(stops.reverse().map((s) => s())).then(() => process.exit(1));
});
