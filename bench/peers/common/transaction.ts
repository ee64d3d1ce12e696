/**
 * BEGIN ... COMMIT on one connection, the way every peer writes: a task and its
 * job at the door, a task's effect in the worker, a relay pass.
 */
import type pg from 'pg';

/** Runs `fn` in a transaction on `client`; any error rolls it back and is thrown again. */
export async function transaction<C extends pg.ClientBase, T>(client: C, fn: (client: C) => Promise<T>): Promise<T> {
  await client.query('begin');
  try {
    const value = await fn(client);
    await client.query('commit');
    return value;
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  }
}

/** `transaction` on a connection taken from `pool` for it. */
export async function pooledTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await transaction(client, fn);
  } finally {
    client.release();
  }
}
