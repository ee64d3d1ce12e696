import { loginAll, release, startBureau, type BureauMode } from '../lib/bureau.js';
import { closedLoop, connectUsers } from '../lib/load.js';
import { rssKiB } from '../lib/procs.js';
import { createScenario } from '../lib/scenarios.js';
import type { BenchUsers } from '../lib/seed.js';
import { dropPrefix, query, type Services } from '../lib/services.js';
import { BENCH_MAX_BACKLOG, LANES, LOGS, log } from '../lib/settings.js';
import { bureauTarget } from '../lib/targets.js';

/** `actions` actions at 64 lanes, sampling RSS, Redis keys and table sizes on the way. */
export async function runSoak(svc: Services, users: BenchUsers, actions: number) {
  const mode: BureauMode = { label: 'bureau (Redis)', databaseUrl: svc.databaseUrl, redisUrl: svc.redisUrl, queuePrefix: `benchsoak${process.pid}`, env: { MAX_BACKLOG: String(BENCH_MAX_BACKLOG) }, logDir: LOGS };
  await release(mode);
  const b = await startBureau(mode);
  const samples: { t: number; completed: number; rss: Record<string, number>; redisKeys: number; redisMemoryMiB: number }[] = [];
  const tables: { t: number; sizes: Record<string, number> }[] = [];
  const { Redis } = await import('ioredis');
  const redis = new Redis(svc.redisUrl);
  const tableSizes = async () =>
    Object.fromEntries(
      (await query<{ name: string; mib: number }>(svc.databaseUrl, `select relname as name, round(pg_total_relation_size(oid) / 1048576.0, 2)::float as mib from pg_class where relkind = 'r' and relnamespace = 'public'::regnamespace order by 2 desc`)).map((r) => [r.name, r.mib]),
    );
  try {
    const target = bureauTarget(b.url);
    const conns = await connectUsers(target, await loginAll(b.url, users.admins));
    tables.push({ t: 0, sizes: await tableSizes() });
    const t0 = Date.now();
    log(`soak: ${actions} actions at ${LANES} lanes`);
    const result = await closedLoop({
      target,
      conns,
      lanes: LANES,
      warmupSeconds: 10,
      actions,
      scenario: createScenario,
      resultTimeoutMs: 60_000,
      onTick: async (s, completed) => {
        if (s % 5 !== 0) return;
        const rss: Record<string, number> = Object.fromEntries(b.procs.map((p) => [p.name.replace(/^[^-]+-/, ''), Math.round(rssKiB(p.pid) / 1024)]));
        if (svc.pids.redis) rss['redis-server'] = Math.round(rssKiB(svc.pids.redis) / 1024);
        const keys = await redis.dbsize();
        const mem = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0) / 1048576;
        samples.push({ t: Math.round((Date.now() - t0) / 1000), completed, rss, redisKeys: keys, redisMemoryMiB: Math.round(mem * 10) / 10 });
        if (s % 60 === 0) {
          tables.push({ t: s, sizes: await tableSizes() });
          log(`soak: ${completed}/${actions}, rss ${JSON.stringify(rss)}, redis keys ${keys}`);
        }
      },
    });
    tables.push({ t: Math.round((Date.now() - t0) / 1000), sizes: await tableSizes() });
    for (const c of conns) c.feed.close();
    // Warm-up = the first 20% of the samples; growth = last sample over the first sample after warm-up.
    const first = samples[Math.floor(samples.length * 0.2)] ?? samples[0];
    const last = samples[samples.length - 1];
    const growth = Object.fromEntries(Object.keys(first?.rss ?? {}).map((k) => [k, first && last && first.rss[k] ? Math.round(((last.rss[k]! - first.rss[k]!) / first.rss[k]!) * 1000) / 10 : 0]));
    return { actions, result, samples, tables, rssGrowthPercent: growth, redisKeys: { afterWarmup: first?.redisKeys ?? 0, end: last?.redisKeys ?? 0, max: Math.max(0, ...samples.map((s) => s.redisKeys)) } };
  } finally {
    redis.disconnect();
    await b.stop();
    await dropPrefix(svc.redisUrl, mode.queuePrefix);
  }
}
