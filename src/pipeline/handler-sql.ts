import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from '../infra/db.js';

/** knex's client of a worker's task transaction: the one its quick transaction builds (`transactorFor`). */
interface TransactionClient {
  acquireConnection(): Promise<unknown>;
  _query(connection: unknown, query: { sql: string }): Promise<{ response: { rows?: unknown[] } | { rows?: unknown[] }[] }>;
}

/**
 * `ctx.sql` of a worker's handler: raw SQL (`?` placeholders, values inlined by
 * MikroORM's platform as `sql()` inlines them) sent on the task's transaction
 * straight to the client of that transaction, the call knex's runner ends in,
 * without the runner, knex's raw builder and MikroORM's query logging around it
 * (in the worker's CPU profile about as much as the insert itself). The query
 * still goes where `sql()` would send it, so a speculative transaction's
 * lock-and-read travels in front of it. An array value, or an entity manager
 * outside a transaction, takes `sql()` itself.
 */
export function handlerSql(em: EntityManager): <T = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<T[]> {
  const trx = em.getTransactionContext() as { client?: TransactionClient } | undefined;
  const client = trx?.client;
  if (!client || typeof client._query !== 'function') return (text, params) => sql(em, text, params);
  const platform = em.getPlatform();
  return async <T>(text: string, params: unknown[] = []): Promise<T[]> => {
    if (params.some(Array.isArray)) return sql<T>(em, text, params);
    const connection = await client.acquireConnection();
    const { response } = await client._query(connection, { sql: platform.formatQuery(text, params) });
    const last = Array.isArray(response) ? response[response.length - 1] : response;
    return (last?.rows ?? []) as T[];
  };
}
