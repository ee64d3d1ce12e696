import type { EntityManager } from '@mikro-orm/postgresql';
import pg from 'pg';
// knex has no public way to hand an already-open transaction to a query builder; its own transactions build
// their handle with this same function (knex/lib/execution/transaction.js, makeTransactor).
import makeKnex from 'knex/lib/knex-builder/make-knex.js';
import type { Orm } from './db.js';

/** The slice of node-postgres' client this file uses (simple-query protocol: several statements, one round trip). */
interface PgConnection {
  query(text: string): Promise<pg.QueryResult | pg.QueryResult[]>;
}
/** The slice of knex's client this file uses. */
interface KnexClient {
  acquireConnection(): Promise<PgConnection>;
  releaseConnection(connection: PgConnection): Promise<unknown>;
}

/**
 * A SQL text with `$1`... replaced by the values as literals (node-postgres'
 * escapeLiteral for text, so any string is safe), for the simple-query protocol,
 * which carries no parameters. MikroORM sends its raw queries inlined the same way.
 */
export function inline(text: string, values: readonly unknown[]): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => literal(values[Number(n) - 1]));
}

function literal(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`not a SQL number: ${v}`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Date) return pg.escapeLiteral(v.toISOString());
  if (typeof v === 'string') return pg.escapeLiteral(v);
  throw new Error(`no SQL literal for a ${typeof v}`);
}

/** How a quick transaction ends: optionally a last statement, sent with COMMIT unless something must run between them. */
export interface Ending<T> {
  value: T;
  /** Literal SQL (see `inline`) run last inside the transaction; its rows come back as `lastRows`. */
  last?: string;
  /** Runs after `last` and before COMMIT (e.g. handing mail to SMTP); `last` then takes a round trip of its own. */
  beforeCommit?: () => Promise<void>;
}

const transactors = new WeakMap<PgConnection, unknown>();

/** A knex handle whose every query runs on `connection` (which the caller holds), as knex's own transaction handle does. */
function transactorFor(client: KnexClient, connection: PgConnection): unknown {
  let trx = transactors.get(connection);
  if (!trx) {
    const trxClient = Object.create(client) as KnexClient & { transacting: boolean };
    trxClient.transacting = true;
    trxClient.acquireConnection = () => Promise.resolve(connection);
    trxClient.releaseConnection = () => Promise.resolve();
    const handle = makeKnex(trxClient) as { isTransaction?: boolean };
    handle.isTransaction = true;
    trx = handle;
    transactors.set(connection, trx);
  }
  return trx;
}

/**
 * One transaction on one pooled connection whose first statement travels with
 * BEGIN and whose last travels with COMMIT: two round trips (and knex's
 * transaction bookkeeping) fewer than `em.transactional` for the same work. The
 * entity manager handed to `body` runs every query (ORM and raw) on that
 * connection; anything `body` throws rolls the whole transaction back.
 *
 * `first` and `Ending.last` are literal SQL (`inline`). A COMMIT that PostgreSQL
 * answers with ROLLBACK (an earlier statement failed and was swallowed) throws.
 */
export async function quickTransaction<T>(orm: Orm, first: string, body: (em: EntityManager, firstRows: unknown[]) => Promise<Ending<T>>): Promise<{ value: T; lastRows: unknown[] }> {
  const client = orm.em.getConnection().getKnex().client as unknown as KnexClient;
  const connection = await client.acquireConnection();
  try {
    const opened = (await connection.query(`BEGIN; ${first}`)) as pg.QueryResult[];
    const em = orm.em.fork() as EntityManager;
    em.setTransactionContext(transactorFor(client, connection));
    const end = await body(em, opened[1]?.rows ?? []);
    let lastRows: unknown[] = [];
    let commit: pg.QueryResult;
    if (end.last && !end.beforeCommit) {
      const results = (await connection.query(`${end.last}; COMMIT`)) as pg.QueryResult[];
      lastRows = results[0]!.rows;
      commit = results[1]!;
    } else {
      if (end.last) lastRows = ((await connection.query(end.last)) as pg.QueryResult).rows;
      await end.beforeCommit?.();
      commit = (await connection.query('COMMIT')) as pg.QueryResult;
    }
    if (commit.command !== 'COMMIT') throw Object.assign(new Error('The transaction was aborted by an earlier error.'), { code: '25P02' });
    return { value: end.value, lastRows };
  } catch (err) {
    // Also after a failed BEGIN (PostgreSQL only warns when no transaction is open). A broken connection fails
    // here too: knex's pool sees it disposed and never lends it again.
    await connection.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.releaseConnection(connection);
  }
}
