import { loadConfig } from './config.js';
import { migrate, openOrm } from './infra/db.js';
import { createLogger } from './infra/logger.js';
import { migrateQueueSchema } from './infra/queue-schema.js';
import { requireUrls } from './process.js';

/** The `release` process: applies pending migrations (and the BullMQ PostgreSQL schema when queues live there), then exits. */
const config = loadConfig();
requireUrls(config);
const log = createLogger(config.logLevel, 'release');
const orm = await openOrm(config, { poolMax: 2 });
try {
  const applied = await migrate(orm);
  log.info({ applied }, applied.length ? 'migrations applied' : 'database is up to date');
  if (config.queueBackend === 'postgres') log.info({ version: await migrateQueueSchema(config) }, 'queue schema ready');
} finally {
  await orm.close(true);
}
