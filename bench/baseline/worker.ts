/**
 * The bench's reference pipeline, worker half: a BullMQ worker (concurrency
 * 64, pg pool 16) runs the SQL of bureau's `create_customer` handler and
 * PUBLISHes the result. Env: DATABASE_URL, REDIS_URL, BASE_PREFIX.
 */
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = process.env.BASE_PREFIX ?? 'benchbase';
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 16 });
const pub = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
const channel = `${prefix}:results`;

// The statement MikroORM sends for create_customer's `em.create(Customer) + flush`, sent the same way (unnamed, with parameters).
const INSERT = 'insert into "customer" ("tenant_id", "name", "created_by", "created_at") values ($1, $2, $3, $4) returning "id"';

const worker = new Worker<{ id: string; tenant: number; user: number; name: string }>(
  'create',
  async (job) => {
    const { id, tenant, user, name } = job.data;
    const { rows } = await pool.query<{ id: number }>(INSERT, [tenant, name, user, new Date()]);
    await pub.publish(channel, JSON.stringify({ user, id, status: 'succeeded', result: { id: rows[0]!.id, name } }));
  },
  { connection: new Redis(redisUrl, { maxRetriesPerRequest: null }), prefix, concurrency: 64 },
);
await worker.waitUntilReady();
console.log('baseline worker ready');

process.on('SIGTERM', () => {
  void worker.close().then(() => Promise.allSettled([pool.end(), pub.quit()])).then(() => process.exit(0));
});
