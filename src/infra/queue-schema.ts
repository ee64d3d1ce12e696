import { runMigrations } from 'bullmq';
import pg from 'pg';
import type { Config } from '../config.js';
import { pgSchemaFor } from './queue.js';

/** Brings BullMQ's own tables up to date when the queues run on PostgreSQL. */
export async function migrateQueueSchema(config: Config): Promise<number> {
  const client = new pg.Client({ connectionString: config.databaseUrl });
  await client.connect();
  try {
    return await runMigrations(client, pgSchemaFor(config.queuePrefix));
  } finally {
    await client.end();
  }
}
