/**
 * graphile-worker (without Pro) leaves the jobs of a worker that died without
 * cleaning up (SIGKILL, OOM, power loss) locked for 4 hours; its answer is
 * `force_unlock_workers(ids)` once you know those workers are dead. This is how
 * a worker here knows: each worker pool holds a session advisory lock named
 * after its pool id (the `locked_by` of its jobs) for as long as its process
 * lives, and a sweep unlocks the jobs of every pool whose advisory lock nobody
 * holds. Locks younger than GRACE are left alone: a pool that just started may
 * lock jobs a moment before it holds its own advisory lock. A job unlocked that
 * way runs again; `finish()` applies its effect once all the same.
 */
import pg from 'pg';

const GRACE = '5 seconds';

export interface Reclaimer {
  /** Unlocks the jobs of dead pools; returns their ids. */
  sweep(): Promise<string[]>;
  close(): Promise<void>;
}

export async function holdPoolLiveness(databaseUrl: string, schema: string, poolId: string): Promise<Reclaimer> {
  const holder = new pg.Client({ connectionString: databaseUrl });
  holder.on('error', (err) => {
    // Without the lock, a sweep elsewhere would take this live pool for dead: stop rather than run on.
    console.error(`liveness lock lost (${err.message}): exiting`);
    process.exit(1);
  });
  await holder.connect();
  await holder.query('select pg_advisory_lock(hashtext($1), hashtext($2))', [schema, poolId]);
  return {
    async sweep() {
      const { rows } = await holder.query<{ ids: string[] }>(
        `select ${schema}.force_unlock_workers(ids), ids from (
           select coalesce(array_agg(locked_by), '{}') as ids from (
             select distinct locked_by from ${schema}.jobs where locked_by is not null and locked_at < now() - interval '${GRACE}'
           ) l where pg_try_advisory_xact_lock(hashtext($1), hashtext(locked_by))
         ) d`,
        [schema],
      );
      return rows[0]?.ids ?? [];
    },
    close: () => holder.end(),
  };
}
