import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from '../infra/db.js';

/** knex's client of a worker's task transaction: the one its quick transaction builds (`transactorFor`). */
interface TransactionClient {
  acquireConnection(): Promise<unknown>;
  _query(connection: unknown, query: { sql: string }): Promise<{ response: { rows?: unknown[] } | { rows?: unknown[] }[] }>;
}

/** `ctx.sql` as a handler calls it. */
export type HandlerSql = <T = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<T[]>;

/** The client of the quick transaction `em` runs in, or null outside one. */
function transactionClientOf(em: EntityManager): TransactionClient | null {
  const client = (em.getTransactionContext() as { client?: TransactionClient } | undefined)?.client;
  return client && typeof client._query === 'function' ? client : null;
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
export function handlerSql(em: EntityManager): HandlerSql {
  const client = transactionClientOf(em);
  if (!client) return (text, params) => sql(em, text, params);
  const platform = em.getPlatform();
  return async <T>(text: string, params: unknown[] = []): Promise<T[]> => {
    if (params.some(Array.isArray)) return sql<T>(em, text, params);
    const connection = await client.acquireConnection();
    const { response } = await client._query(connection, { sql: platform.formatQuery(text, params) });
    const last = Array.isArray(response) ? response[response.length - 1] : response;
    return (last?.rows ?? []) as T[];
  };
}


/**
 * The `ctx.sql` of a batch's handlers, which run side by side in the batch's
 * one transaction (`runTaskBatch`): the statements they send in the same turn
 * of the event loop go to PostgreSQL as ONE simple query, in the order they
 * were sent, and each handler gets its own statement's rows. A batch of n
 * tasks whose handlers send one statement each then costs one round trip, not
 * n. If any statement fails, PostgreSQL skips the rest of the message and
 * every caller in it gets the error (the batch then rolls back and each task
 * runs alone). A text holding more than one statement is caught by the count
 * of results and fails the same way. `close`, once the batch's handlers
 * settled, refuses any later statement and drops one a handler sent without
 * waiting for it (returning false: the batch must then decline), so none can
 * reach a connection the transaction has let go of. Null where `handlerSql`
 * would fall back to `sql()`.
 */
export function batchSql(em: EntityManager): { sqlFor: (tem: EntityManager) => HandlerSql; close: () => boolean } | null {
  const client = transactionClientOf(em);
  if (!client) return null;
  const platform = em.getPlatform();
  let waiting: { text: string; resolve: (rows: unknown[]) => void; reject: (err: unknown) => void }[] = [];
  let closed = false;
  const send = async () => {
    const sent = waiting;
    waiting = [];
    if (!sent.length) return;
    try {
      const connection = await client.acquireConnection();
      const { response } = await client._query(connection, { sql: sent.map((s) => s.text).join(';\n') });
      const results = Array.isArray(response) ? response : [response];
      if (results.length !== sent.length) throw new Error(`${sent.length} statements sent together gave ${results.length} results (a text held more than one statement)`);
      sent.forEach((s, i) => s.resolve(results[i]?.rows ?? []));
    } catch (err) {
      for (const s of sent) s.reject(err);
    }
  };
  const sqlFor = (tem: EntityManager): HandlerSql => async <T>(text: string, params: unknown[] = []): Promise<T[]> => {
    if (closed) throw new Error('a batched handler sent SQL after the batch settled');
    if (params.some(Array.isArray)) return sql<T>(tem, text, params);
    const rows = new Promise<T[]>((resolve, reject) => {
      if (!waiting.length) setImmediate(() => void send());
      waiting.push({ text: platform.formatQuery(text, params).replace(/[\s;]+$/, ''), resolve: resolve as (rows: unknown[]) => void, reject });
    });
    // Handled here too: a handler that never waits for its statement must not crash the process when it is dropped.
    rows.catch(() => undefined);
    return rows;
  };
  const close = (): boolean => {
    closed = true;
    const unsent = waiting;
    waiting = [];
    for (const s of unsent) s.reject(new Error('a batched handler did not wait for its SQL; the batch declined'));
    return unsent.length === 0;
  };
  return { sqlFor, close };
}
