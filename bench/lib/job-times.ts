import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { latencyStats, type LatencyStats } from './latency-stats.js';
import { query } from './services.js';

/** Where a tenant's tasks spent their time, from the completed jobs and their task rows. */
export interface JobTimes {
  jobs: number;
  /** Task row written (the door's insert) -> job added to the queue: the time a task was held before dispatch. */
  held: LatencyStats;
  /** Job added -> a worker took it (queue order, the worker's fetch). */
  wait: LatencyStats;
  /** A worker took it -> it completed (the task's transaction, among every other job running). */
  run: LatencyStats;
}

/**
 * The completed jobs of `queue` (BullMQ keeps the last 5000) that finished in
 * [from, to] (epoch ms), grouped by their task's tenant. Redis backend only.
 */
export async function jobTimes(redisUrl: string, databaseUrl: string, prefix: string, queue: string, from: number, to: number): Promise<Record<number, JobTimes>> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const q = new Queue(queue, { connection, prefix });
  try {
    const jobs = (await q.getJobs(['completed'], 0, 5000)).filter((j) => j.finishedOn && j.finishedOn >= from && j.finishedOn <= to && j.processedOn && j.data?.copy);
    if (!jobs.length) return {};
    const ids = jobs.map((j) => Number(j.data.taskId));
    const rows = await query<{ id: string; ms: string }>(databaseUrl, 'select id, (extract(epoch from created_at) * 1000)::float8 as ms from task where id = any($1::bigint[])', [ids]);
    const created = new Map(rows.map((r) => [Number(r.id), Number(r.ms)]));
    const byTenant = new Map<number, { held: number[]; wait: number[]; run: number[] }>();
    for (const j of jobs) {
      const tenant = Number(j.data.copy.tenant_id);
      let t = byTenant.get(tenant);
      if (!t) byTenant.set(tenant, (t = { held: [], wait: [], run: [] }));
      const at = created.get(Number(j.data.taskId));
      if (at !== undefined) t.held.push(Math.max(0, j.timestamp - at));
      t.wait.push(j.processedOn! - j.timestamp);
      t.run.push(j.finishedOn! - j.processedOn!);
    }
    return Object.fromEntries([...byTenant].map(([tenant, t]) => [tenant, { jobs: t.run.length, held: latencyStats(t.held), wait: latencyStats(t.wait), run: latencyStats(t.run) }]));
  } finally {
    await q.close();
    connection.disconnect();
  }
}
