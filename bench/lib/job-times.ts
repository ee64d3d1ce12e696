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

/** Mean and largest of a sampled count. */
export interface Sampled {
  mean: number;
  max: number;
}

/** The queue as sampled while a phase ran: jobs running per tenant, jobs waiting, tasks held in the outbox. */
export interface QueueSamples {
  samples: number;
  activeByTenant: Record<number, Sampled>;
  waiting: Sampled;
  held: Sampled;
}

/**
 * Samples `queue` every `everyMs` until `stop()`: the jobs running (by their
 * task's tenant), waiting (wait + prioritized) and the tasks held in the outbox.
 * Redis backend only.
 */
export function sampleQueue(redisUrl: string, databaseUrl: string, prefix: string, queue: string, everyMs = 500): { stop(): Promise<QueueSamples> } {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  const key = (k: string) => `${prefix}:${queue}:${k}`;
  const active = new Map<number, number[]>();
  const waiting: number[] = [];
  const held: number[] = [];
  let n = 0;
  const sample = async () => {
    const ids = await redis.lrange(key('active'), 0, -1);
    const datas = ids.length ? await Promise.all(ids.map((id) => redis.hget(key(id), 'data'))) : [];
    const byTenant = new Map<number, number>();
    for (const d of datas) {
      const tenant = d ? (JSON.parse(d) as { copy?: { tenant_id?: number } }).copy?.tenant_id : undefined;
      if (tenant !== undefined) byTenant.set(tenant, (byTenant.get(tenant) ?? 0) + 1);
    }
    for (const t of new Set([...active.keys(), ...byTenant.keys()])) {
      const list = active.get(t) ?? Array<number>(n).fill(0);
      list.push(byTenant.get(t) ?? 0);
      active.set(t, list);
    }
    waiting.push((await redis.llen(key('wait'))) + (await redis.zcard(key('prioritized'))));
    // Older code has no held_for: nothing held.
    held.push(Number((await query<{ n: number }>(databaseUrl, 'select count(*)::int as n from outbox where held_for is not null').catch(() => []))[0]?.n ?? 0));
    n++;
  };
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await sample().catch(() => undefined);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  const stats = (xs: number[]): Sampled => ({ mean: xs.length ? Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 10) / 10 : 0, max: xs.length ? Math.max(...xs) : 0 });
  return {
    async stop() {
      stopped = true;
      await loop;
      redis.disconnect();
      return { samples: n, activeByTenant: Object.fromEntries([...active].map(([t, xs]) => [t, stats(xs)])), waiting: stats(waiting), held: stats(held) };
    },
  };
}
