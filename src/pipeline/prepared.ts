import type { EntityManager } from '@mikro-orm/postgresql';
import type { KnexClient } from '../infra/quick-transaction.js';

/**
 * A named prepared statement (`$1`... placeholders) on `em`'s connection: its
 * transaction's when it has one, else one from the pool. PostgreSQL parses and
 * plans it once per connection instead of on every call, and knex's query
 * building is skipped. For the pipeline's few statements that run on every
 * action; one `name` per `text`, always. Errors are node-postgres' own (with the
 * SQLSTATE `code` that `toAppError` maps).
 */
export async function prepared<T>(em: EntityManager, name: string, text: string, values: readonly unknown[]): Promise<T[]> {
  const trx = em.getTransactionContext() as { client: KnexClient } | undefined;
  const client = (trx ?? (em.getConnection().getKnex() as unknown as { client: KnexClient })).client;
  const connection = await client.acquireConnection();
  try {
    return (await connection.query({ name, text, values })).rows as T[];
  } finally {
    if (!trx) await client.releaseConnection(connection);
  }
}
