import { latencyStats, type LatencyStats } from './latency-stats.js';
import { postJson } from './post-json.js';
import type { Target } from './target-contract.js';
import type { Connected } from './user-feed.js';

export interface OpenResult {
  ratePerSecond: number;
  seconds: number;
  sent: number;
  accepted: number;
  throttled: number;
  errors: number;
  errorCodes: Record<string, number>;
  answered: number;
  lost: number;
  retryAfter: string[];
  postLatency: LatencyStats;
  resultLatency: LatencyStats;
  depthSamples: number[];
  maxDepth: number;
  drainSeconds: number;
}

/**
 * Open loop: posts at `rate` per second for `seconds` whatever happens to the
 * earlier ones (lanes that do not wait), then waits for every accepted action's
 * result. `depth()` samples the queue backlog every 250 ms.
 */
export async function openLoop(opts: {
  target: Target;
  conns: Connected[];
  rate: number;
  seconds: number;
  action: string;
  data: (n: number) => unknown;
  depth: () => Promise<number>;
  drainTimeoutMs?: number;
}): Promise<OpenResult> {
  const postLat: number[] = [];
  const resLat: number[] = [];
  const codes = new Map<string, number>();
  const retryAfter = new Set<string>();
  let sent = 0;
  let accepted = 0;
  let throttled = 0;
  let errors = 0;
  let answered = 0;
  let lost = 0;
  const depthSamples: number[] = [];
  const waits: Promise<void>[] = [];
  const sampler = setInterval(() => {
    void opts.depth().then((d) => depthSamples.push(d)).catch(() => undefined);
  }, 250);
  const t0 = performance.now();
  const total = Math.round(opts.rate * opts.seconds);
  const inflight: Promise<void>[] = [];
  for (let n = 0; n < total; n++) {
    const due = t0 + (n * 1000) / opts.rate;
    const delay = due - performance.now();
    if (delay > 1) await new Promise((r) => setTimeout(r, delay));
    const conn = opts.conns[n % opts.conns.length]!;
    sent++;
    const { path, body } = opts.target.request(conn.user, opts.action, opts.data(n));
    const start = performance.now();
    inflight.push(
      postJson(opts.target.baseUrl + path, body)
        .then((res) => {
          postLat.push(performance.now() - start);
          const p = opts.target.parsePosted(res.status, res.body, res.headers);
          if (p.status === 202 && p.id) {
            accepted++;
            waits.push(
              conn.feed.wait(p.id, opts.drainTimeoutMs ?? 120_000).then((o) => {
                if (o) {
                  answered++;
                  resLat.push(performance.now() - start);
                } else lost++;
              }),
            );
          } else if (p.status === 429) {
            throttled++;
            if (p.retryAfter) retryAfter.add(p.retryAfter);
          } else {
            errors++;
            const k = `${p.status} ${p.code ?? ''}`.trim();
            codes.set(k, (codes.get(k) ?? 0) + 1);
          }
        })
        .catch((err: Error) => {
          errors++;
          codes.set(`HTTP ${err.message}`, (codes.get(`HTTP ${err.message}`) ?? 0) + 1);
        }),
    );
  }
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all(inflight);
  const drainStart = performance.now();
  await Promise.all(waits);
  clearInterval(sampler);
  return {
    ratePerSecond: opts.rate,
    seconds: Math.round(seconds * 10) / 10,
    sent,
    accepted,
    throttled,
    errors,
    errorCodes: Object.fromEntries(codes),
    answered,
    lost,
    retryAfter: [...retryAfter],
    postLatency: latencyStats(postLat),
    resultLatency: latencyStats(resLat),
    depthSamples,
    maxDepth: depthSamples.length ? Math.max(...depthSamples) : 0,
    drainSeconds: Math.round((performance.now() - drainStart) / 100) / 10,
  };
}
