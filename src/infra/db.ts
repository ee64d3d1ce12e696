import { MikroORM, PostgreSqlDriver, type EntityManager } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import pg from 'pg';
import type { Config } from '../config.js';
import type { Db } from '../core/context.js';
import { entities } from '../entities.js';
import { migrationsList } from '../../migrations/index.js';

// bigint columns (task ids, seqs) fit in a JS number for the life of any install;
// parse them as numbers so JSON.stringify works on every row.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export type Orm = MikroORM;

export async function openOrm(config: Config, opts: { poolMax?: number } = {}): Promise<Orm> {
  return MikroORM.init({
    driver: PostgreSqlDriver,
    clientUrl: config.databaseUrl,
    // defineEntity schemas, typed loosely in the manifests (`object`): the ORM checks them at init.
    entities: [...entities] as never[],
    extensions: [Migrator],
    migrations: { migrationsList, transactional: true, allOrNothing: true, snapshot: false, silent: true },
    pool: { min: 0, max: opts.poolMax ?? 10 },
    allowGlobalContext: false,
    debug: false,
    discovery: { warnWhenNoEntities: false },
    // A dropped connection must surface as an error the pipeline can retry, not a hang.
    driverOptions: { connection: { connectionTimeoutMillis: 5000 } },
  });
}

export async function migrate(orm: Orm): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}

export async function migrationStatus(orm: Orm): Promise<{ executed: string[]; pending: string[] }> {
  const migrator = orm.getMigrator();
  const [executed, pending] = await Promise.all([migrator.getExecutedMigrations(), migrator.getPendingMigrations()]);
  return { executed: executed.map((m) => m.name), pending: pending.map((m) => m.name) };
}

/**
 * Raw SQL with `?` placeholders through the ORM's connection, on `em`'s
 * transaction when it has one. The pipeline's own bookkeeping uses this (one
 * round trip per statement); domain handlers use the entity manager.
 */
export async function sql<T = Record<string, unknown>>(em: EntityManager, text: string, params: unknown[] = []): Promise<T[]> {
  // knex would splice an array parameter into a list (`any(1, 2)`); send it as one PostgreSQL array literal instead (cast it: `any(?::int[])`).
  const values = params.map((p) => (Array.isArray(p) ? pgArray(p) : p));
  return em.getConnection().execute<T[]>(text, values as never[], 'all', em.getTransactionContext());
}

/** A JS array as a PostgreSQL array literal, quoted the way node-postgres quotes one. */
function pgArray(items: unknown[]): string {
  return `{${items.map((v) => (v === null || v === undefined ? 'NULL' : typeof v === 'number' ? String(v) : `"${String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`)).join(',')}}`;
}

/** The `Db` port a domain gets: `em` and raw SQL on `em`'s connection (and transaction, when it has one). */
export function dbOf(em: EntityManager): Db {
  return { em, sql: (text, params) => sql(em, text, params) };
}

/**
 * Runs `fn` in one transaction on a fork of `em`, begun and ended on its
 * connection rather than with `em.transactional`: MikroORM runs a transactional
 * callback inside an AsyncLocalStorage context, and the first one turns Node's
 * promise hooks on for the rest of the process's life (a few per cent of every
 * process's CPU). `fn`'s unit of work is flushed before COMMIT when `flush()`
 * says it was used (a flush runs in such a context too).
 */
export async function inTransaction<T>(em: EntityManager, fn: (tx: EntityManager) => Promise<T>, flush: () => boolean = () => false): Promise<T> {
  const tx = em.fork() as EntityManager;
  const connection = tx.getConnection('write');
  const trx = await connection.begin();
  tx.setTransactionContext(trx);
  try {
    const value = await fn(tx);
    if (flush()) await tx.flush();
    await connection.commit(trx);
    return value;
  } catch (err) {
    await connection.rollback(trx);
    throw err;
  } finally {
    tx.resetTransactionContext();
  }
}

/** Runs `fn` in one transaction on a fork of the ORM's entity manager; its unit of work is flushed before COMMIT if `fn` read `tx.em`. */
export function transactionOn(orm: Orm): <T>(fn: (tx: Db) => Promise<T>) => Promise<T> {
  return (fn) => {
    let usedEm = false;
    return inTransaction(
      orm.em,
      (tx) => {
        const db = dbOf(tx);
        return fn({
          sql: db.sql,
          get em() {
            usedEm = true;
            return tx;
          },
        });
      },
      () => usedEm,
    );
  };
}
