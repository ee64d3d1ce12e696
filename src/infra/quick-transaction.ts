import type { EntityManager } from '@mikro-orm/postgresql';
import pg from 'pg';
// knex has no public way to hand an already-open transaction to a query builder; its own transactions build
// their handle with this same function (knex/lib/execution/transaction.js, makeTransactor).
import makeKnex from 'knex/lib/knex-builder/make-knex.js';
import { AppError } from '../core/errors.js';
import type { Orm } from './db.js';

/**
 * The slice of node-postgres' client the pipeline uses: a simple query (several
 * statements, one round trip, an array of results) or a named prepared one.
 */
export interface PgConnection {
  query(text: string): Promise<pg.QueryResult | pg.QueryResult[]>;
  query(q: { name: string; text: string; values: readonly unknown[] }): Promise<pg.QueryResult>;
}
/** The slice of knex's client (the pool's, or a transaction's) the pipeline uses. */
export interface KnexClient {
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

/**
 * A statement a quick transaction runs by name: `text` (with `$1`... placeholders)
 * is PREPAREd once per connection and then sent as `EXECUTE name(literals)`, so
 * PostgreSQL parses and plans it once per connection instead of on every call.
 * With `sqlPrepare` off (PgBouncer in transaction mode, which does not carry
 * SQL-level PREPARE across server connections) the text is sent inlined instead.
 */
export interface Statement {
  name: string;
  text: string;
}

/** A statement with its values. */
export interface Call {
  statement: Statement;
  values: readonly unknown[];
}

/** How a quick transaction ends: optionally a last statement, sent with COMMIT unless something must run between them. */
export interface Ending<T> {
  value: T;
  /** Run last inside the transaction; its rows come back as `lastRows`. */
  last?: Call;
  /** Runs after `last` and before COMMIT (e.g. handing mail to SMTP); `last` then takes a round trip of its own. */
  beforeCommit?: () => Promise<void>;
}

export interface QuickOptions {
  /** PREPARE `statements` once per connection and EXECUTE them (see `Statement`). */
  sqlPrepare: boolean;
  /** Every statement this caller may pass, prepared together the first time a connection is used. */
  statements: readonly Statement[];
}

const transactors = new WeakMap<PgConnection, unknown>();
/**
 * A speculative transaction's opening (`BEGIN` and its first statement), waiting
 * on its connection to travel in front of the body's first query. `accept` judges
 * the first statement's rows.
 */
interface Head {
  text: string;
  accept: (rows: unknown[]) => boolean;
}
const heads = new WeakMap<PgConnection, Head>();

/** Thrown into a speculative body when its first statement's rows were not accepted; the transaction rolls back. */
class HeadRejected extends Error {
  constructor() {
    super('The first statement of the transaction did not confirm what the body assumed.');
  }
}

/** Sends a connection's waiting head, alone or in front of `text`, and returns the results after the head's two. */
async function sendHead(connection: PgConnection, head: Head, text?: string): Promise<pg.QueryResult[]> {
  heads.delete(connection);
  const results = (await connection.query(text === undefined ? head.text : `${head.text}; ${text}`)) as pg.QueryResult[];
  if (!head.accept(results[1]?.rows ?? [])) throw new HeadRejected();
  return results.slice(2);
}

/** What knex's postgres client hands its `_query`. */
interface KnexQuery {
  sql: string;
  bindings?: unknown[];
  options?: object;
  response?: unknown;
}
/** The statements prepared on each connection, by name. */
const preparedOn = new WeakMap<PgConnection, Set<string>>();

function render(call: Call, opts: QuickOptions): string {
  return opts.sqlPrepare ? `EXECUTE ${call.statement.name}(${call.values.map(literal).join(', ')})` : inline(call.statement.text, call.values);
}

/** PREPAREs the statements a connection does not have yet (a round trip each, once per connection). */
async function prepareOn(connection: PgConnection, opts: QuickOptions): Promise<void> {
  if (!opts.sqlPrepare) return;
  let names = preparedOn.get(connection);
  if (!names) preparedOn.set(connection, (names = new Set()));
  for (const st of opts.statements) {
    if (names.has(st.name)) continue;
    try {
      await connection.query(`PREPARE ${st.name} AS ${st.text}`);
    } catch (err) {
      // 42P05: already prepared in this session (the set was cleared after a 26000 on another statement).
      if ((err as { code?: string }).code !== '42P05') throw err;
    }
    names.add(st.name);
  }
}

/** The fields of knex's client a query reads, copied to the transaction's client as knex's own transactions do. */
const CLIENT_FIELDS = ['version', 'config', 'driver', 'connectionSettings', 'valueForUndefined', 'logger'] as const;

/**
 * A knex handle whose every query runs on `connection` (which the caller holds),
 * built the way knex builds its transaction handle (makeTxClient, makeTransactor
 * in knex/lib/execution/transaction.js): a client of the same class with the
 * pool's fields, its own event listeners (the pool's client must not collect
 * the handle's), forwarding its query events to the pool's client. One per
 * connection, kept while the connection lives.
 */
function transactorFor(client: KnexClient, connection: PgConnection): unknown {
  let trx = transactors.get(connection);
  if (!trx) {
    const pool = client as unknown as Record<string, unknown> & { emit(event: string, ...args: unknown[]): boolean };
    const trxClient = Object.create(Object.getPrototypeOf(client) as object) as Record<string, unknown> & KnexClient & { on(event: string, fn: (...args: unknown[]) => void): void };
    for (const field of CLIENT_FIELDS) trxClient[field] = pool[field];
    trxClient.transacting = true;
    for (const event of ['start', 'query', 'query-error', 'query-response']) trxClient.on(event, (...args: unknown[]) => pool.emit(event, ...args));
    // A query whose connection still holds a speculative head takes the head with it (one round trip for both).
    // MikroORM sends its queries with the values inlined; one with bindings or options lets the head go first.
    const plainQuery = trxClient._query as (connection: PgConnection, obj: KnexQuery) => Promise<KnexQuery>;
    trxClient._query = async function (this: unknown, conn: PgConnection, obj: KnexQuery): Promise<KnexQuery> {
      const head = heads.get(conn);
      if (!head) return plainQuery.call(this, conn, obj);
      if (obj.bindings?.length || (obj.options && Object.keys(obj.options).length)) {
        await sendHead(conn, head);
        return plainQuery.call(this, conn, obj);
      }
      const own = await sendHead(conn, head, obj.sql);
      obj.response = own.length === 1 ? own[0] : own;
      return obj;
    };
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
 * A COMMIT that PostgreSQL answers with ROLLBACK (an earlier statement failed and
 * was swallowed) throws. A prepared statement the server no longer has (26000:
 * the session was reset under us) throws a retryable error and is prepared again
 * on the next use.
 */
export async function quickTransaction<T>(
  orm: Orm,
  opts: QuickOptions,
  first: Call,
  body: (em: EntityManager, firstRows: unknown[]) => Promise<Ending<T>>,
): Promise<{ value: T; lastRows: unknown[] }> {
  return one(batchTransaction(orm, opts, first, async (em, firstRows) => ending(await body(em(), firstRows))));
}

/**
 * `quickTransaction` ending with any number of statements, all sent in one
 * message with COMMIT (their rows come back in order): the shared transaction
 * of a batch of tasks (pipeline/task-batch.ts). `body` gets a fresh entity
 * manager on the transaction's connection each time it calls `em()`, so each
 * task has a unit of work of its own inside the one transaction.
 */
export async function batchTransaction<T>(
  orm: Orm,
  opts: QuickOptions,
  first: Call,
  body: (em: () => EntityManager, firstRows: unknown[]) => Promise<Endings<T>>,
): Promise<{ value: T; lastRows: unknown[][] }> {
  return transaction(orm, opts, async (connection, em) => {
    const opened = (await connection.query(`BEGIN; ${render(first, opts)}`)) as pg.QueryResult[];
    return body(em, opened[1]?.rows ?? []);
  });
}

/** How a batch's transaction ends: any number of last statements (`Ending` has at most one). */
export interface Endings<T> {
  value: T;
  lasts: readonly Call[];
  beforeCommit?: () => Promise<void>;
}
const ending = <T>(end: Ending<T>): Endings<T> => ({ value: end.value, lasts: end.last ? [end.last] : [], ...(end.beforeCommit ? { beforeCommit: end.beforeCommit } : {}) });
const one = async <T>(done: Promise<{ value: T; lastRows: unknown[][] }>): Promise<{ value: T; lastRows: unknown[] }> => {
  const { value, lastRows } = await done;
  return { value, lastRows: lastRows[0] ?? [] };
};

/**
 * A quick transaction whose body starts before its first statement has answered:
 * BEGIN and `first` wait on the connection and go out in front of the body's
 * first query, in the same message, so PostgreSQL runs `first` (a row lock, say)
 * before anything the body sends. When `first`'s rows come back, `accept` judges
 * them; if it refuses them, the body's query throws `HeadRejected` and the
 * transaction rolls back. A body that sends no query has `first` sent alone
 * before its last statement. So nothing the body wrote commits unless `accept`
 * said yes, and one round trip is saved whenever the body queries at all.
 */
export async function speculativeTransaction<T>(
  orm: Orm,
  opts: QuickOptions,
  first: Call,
  accept: (rows: unknown[]) => boolean,
  body: (em: EntityManager) => Promise<Ending<T>>,
): Promise<{ value: T; lastRows: unknown[] }> {
  return one(
    transaction(orm, opts, async (connection, em) => {
      heads.set(connection, { text: `BEGIN; ${render(first, opts)}`, accept });
      const end = await body(em());
      const head = heads.get(connection);
      if (head) await sendHead(connection, head);
      return ending(end);
    }),
  );
}

async function transaction<T>(
  orm: Orm,
  opts: QuickOptions,
  body: (connection: PgConnection, em: () => EntityManager) => Promise<Endings<T>>,
): Promise<{ value: T; lastRows: unknown[][] }> {
  const client = orm.em.getConnection().getKnex().client as unknown as KnexClient;
  const connection = await client.acquireConnection();
  try {
    await prepareOn(connection, opts);
    const em = () => {
      const fork = orm.em.fork() as EntityManager;
      fork.setTransactionContext(transactorFor(client, connection));
      return fork;
    };
    const end = await body(connection, em);
    let lastRows: unknown[][] = [];
    let commit: pg.QueryResult;
    if (end.lasts.length && !end.beforeCommit) {
      const results = (await connection.query(`${end.lasts.map((l) => render(l, opts)).join('; ')}; COMMIT`)) as pg.QueryResult[];
      lastRows = results.slice(0, -1).map((r) => r.rows);
      commit = results[results.length - 1]!;
    } else {
      for (const last of end.lasts) lastRows.push(((await connection.query(render(last, opts))) as pg.QueryResult).rows);
      await end.beforeCommit?.();
      commit = (await connection.query('COMMIT')) as pg.QueryResult;
    }
    if (commit.command !== 'COMMIT') throw Object.assign(new Error('The transaction was aborted by an earlier error.'), { code: '25P02' });
    return { value: end.value, lastRows };
  } catch (err) {
    // A head never sent opened nothing; otherwise roll back, also after a failed BEGIN (PostgreSQL only warns
    // when no transaction is open). A broken connection fails here too: knex's pool sees it disposed and never
    // lends it again.
    if (!heads.delete(connection)) await connection.query('ROLLBACK').catch(() => undefined);
    if ((err as { code?: string }).code === '26000') {
      preparedOn.delete(connection);
      throw new AppError('UNAVAILABLE', 'The database session lost its prepared statements; retry.');
    }
    throw err;
  } finally {
    await client.releaseConnection(connection);
  }
}
