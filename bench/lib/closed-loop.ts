import { ActionFailed, makeAct, Recorder, type Act } from './act.js';
import { latencyStats, type LatencyStats } from './latency-stats.js';
import type { Target } from './target-contract.js';
import type { Connected } from './user-feed.js';

export interface ClosedResult {
  lanes: number;
  users: number;
  seconds: number;
  completed: number;
  /** Completed over the whole phase, warm-up and tail included. */
  allCompleted: number;
  /** Websocket reconnects during the phase (a drop the client recovered from). */
  reconnects: number;
  perSecond: number;
  latency: LatencyStats;
  /** POST -> HTTP reply of the same actions: how much of `latency` is spent at the door. */
  reply: LatencyStats;
  errors: number;
  errorCodes: Record<string, number>;
  lost: number;
  /** Some of the lost task ids, for a look in the database. */
  lostIds: string[];
  throttled: number;
  byAction: Record<string, LatencyStats>;
  /** Each round's figures, when this result merges several. */
  rounds?: { perSecond: number; p50: number; p95: number; p99: number }[];
  /** Raw samples (ms), to merge rounds; not written to the JSON. */
  latencies?: number[];
  replyLatencies?: number[];
}

/** Several rounds of the same closed loop as one result: counts and time summed, percentiles over every sample. */
export function mergeClosed(rounds: ClosedResult[]): ClosedResult {
  const first = rounds[0]!;
  if (rounds.length === 1) return first;
  const sum = (f: (r: ClosedResult) => number) => rounds.reduce((a, r) => a + f(r), 0);
  const seconds = sum((r) => r.seconds);
  const completed = sum((r) => r.completed);
  const codes: Record<string, number> = {};
  for (const r of rounds) for (const [k, v] of Object.entries(r.errorCodes)) codes[k] = (codes[k] ?? 0) + v;
  const samples = rounds.flatMap((r) => r.latencies ?? []);
  const replies = rounds.flatMap((r) => r.replyLatencies ?? []);
  return {
    ...first,
    seconds: Math.round(seconds * 10) / 10,
    completed,
    allCompleted: sum((r) => r.allCompleted),
    reconnects: sum((r) => r.reconnects),
    perSecond: Math.round((completed / seconds) * 10) / 10,
    latency: latencyStats(samples),
    reply: latencyStats(replies),
    errors: sum((r) => r.errors),
    errorCodes: codes,
    lost: sum((r) => r.lost),
    lostIds: rounds.flatMap((r) => r.lostIds).slice(0, 20),
    throttled: sum((r) => r.throttled),
    rounds: rounds.map((r) => ({ perSecond: r.perSecond, p50: r.latency.p50, p95: r.latency.p95, p99: r.latency.p99 })),
    latencies: samples,
    replyLatencies: replies,
  };
}

/**
 * Closed loop: `lanes` lanes, lane i on conns[i % conns.length], each running
 * `scenario` again and again. Warm-up first, then a measured window of
 * `seconds`, or (with `actions`) until that many actions completed.
 */
export async function closedLoop(opts: {
  target: Target;
  conns: Connected[];
  lanes: number;
  warmupSeconds: number;
  seconds?: number;
  actions?: number;
  resultTimeoutMs?: number;
  scenario: (act: Act, conn: Connected, lane: number, conns: Connected[]) => Promise<void>;
  /** Called every second while measuring (sampling RSS, queue depth...). */
  onTick?: (elapsedS: number, completed: number) => void | Promise<void>;
}): Promise<ClosedResult> {
  const rec = new Recorder();
  const reconnectsBefore = opts.conns.reduce((a, c) => a + c.feed.reconnects, 0);
  const act = makeAct(opts.target, rec, opts.resultTimeoutMs ?? 30_000);
  let stop = false;
  const lane = async (i: number) => {
    const conn = opts.conns[i % opts.conns.length]!;
    while (!stop) {
      try {
        await opts.scenario(act, conn, i, opts.conns);
      } catch (err) {
        if (!(err instanceof ActionFailed)) {
          rec.error(`driver: ${(err as Error).message}`);
        }
        if (err instanceof ActionFailed && err.code === 'RATE_LIMITED') await new Promise((r) => setTimeout(r, 200));
      }
    }
  };
  const running = Array.from({ length: opts.lanes }, (_, i) => lane(i));
  await new Promise((r) => setTimeout(r, opts.warmupSeconds * 1000));
  rec.measuring = true;
  const t0 = performance.now();
  let ticks = 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    ticks++;
    await opts.onTick?.(ticks, rec.completed);
    if (opts.actions !== undefined ? rec.completed >= opts.actions : ticks >= (opts.seconds ?? 30)) break;
  }
  const seconds = (performance.now() - t0) / 1000;
  const completed = rec.completed;
  const latencies = rec.latencies.slice();
  const replyLatencies = rec.replyLatencies.slice();
  // In-flight actions finish (or count as lost) before the phase ends; only their errors and losses count.
  stop = true;
  rec.closing = true;
  await Promise.all(running);
  rec.measuring = false;
  return {
    lanes: opts.lanes,
    users: opts.conns.length,
    seconds: Math.round(seconds * 10) / 10,
    completed,
    allCompleted: rec.all,
    reconnects: opts.conns.reduce((a, c) => a + c.feed.reconnects, 0) - reconnectsBefore,
    perSecond: Math.round((completed / seconds) * 10) / 10,
    latency: latencyStats(latencies),
    latencies,
    reply: latencyStats(replyLatencies),
    replyLatencies,
    errors: rec.errors,
    errorCodes: Object.fromEntries(rec.errorCodes),
    lost: rec.lost,
    lostIds: rec.lostIds,
    throttled: rec.throttled,
    byAction: Object.fromEntries([...rec.byAction].map(([k, v]) => [k, latencyStats(v)])),
  };
}
