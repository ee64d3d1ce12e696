/** The soak's section of the report: RSS, Redis keys and table sizes over 100k actions. */
import type { ClosedResult } from './load.js';
import { row } from './report-parts.js';

export interface SoakPart {
  actions: number;
  result: ClosedResult;
  samples: { t: number; completed: number; rss: Record<string, number>; redisKeys: number; redisMemoryMiB: number }[];
  tables: { t: number; sizes: Record<string, number> }[];
  rssGrowthPercent: Record<string, number>;
  redisKeys: { afterWarmup: number; end: number; max: number };
}

export function soakLines(s: SoakPart): string[] {
  const first = s.samples[Math.floor(s.samples.length * 0.2)] ?? s.samples[0];
  const last = s.samples[s.samples.length - 1];
  const out = [
    `soak: ${s.result.completed} actions measured at ${s.result.lanes} lanes in ${s.result.seconds}s (${s.result.perSecond}/s), p50 ${s.result.latency.p50} ms, p95 ${s.result.latency.p95} ms, p99 ${s.result.latency.p99} ms, errors ${s.result.errors}, lost ${s.result.lost}`,
    '',
    row(['process', 'RSS after warm-up (MiB)', 'RSS at end (MiB)', 'growth']),
    row(['---', '---:', '---:', '---:']),
    ...Object.keys(s.rssGrowthPercent).map((k) => row([k, String(first?.rss[k] ?? '-'), String(last?.rss[k] ?? '-'), `${s.rssGrowthPercent[k]}%`])),
    '',
    `Redis keys: ${s.redisKeys.afterWarmup} after warm-up, ${s.redisKeys.end} at the end (max ${s.redisKeys.max}); Redis memory ${first?.redisMemoryMiB ?? '-'} -> ${last?.redisMemoryMiB ?? '-'} MiB`,
    '',
    row(['table', ...s.tables.map((t) => `MiB at ${t.t}s`)]),
    row(['---', ...s.tables.map(() => '---:')]),
    ...Object.keys(s.tables[s.tables.length - 1]?.sizes ?? {})
      .slice(0, 10)
      .map((name) => row([name, ...s.tables.map((t) => String(t.sizes[name] ?? '-'))])),
  ];
  return out;
}
