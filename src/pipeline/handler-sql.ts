import type { Platform } from '@mikro-orm/postgresql';
import type { QuickTx } from '../infra/quick-transaction.js';
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
 * lock-and-read travels in front of it. An array value takes `sql()` on the
 * transaction's entity manager.
 */
export function handlerSql(tx: QuickTx, platform: Platform): <T = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<T[]> {
  const client = (tx.knex as { client?: TransactionClient } | undefined)?.client;
  if (!client || typeof client._query !== 'function') return (text, params) => sql(tx.em, text, params);
  return async <T>(text: string, params: unknown[] = []): Promise<T[]> => {
    if (params.some(Array.isArray)) return sql<T>(tx.em, text, params);
    const connection = await client.acquireConnection();
    const { response } = await client._query(connection, { sql: platform.formatQuery(text, params) });
    const last = Array.isArray(response) ? response[response.length - 1] : response;
    return (last?.rows ?? []) as T[];
  };
}
