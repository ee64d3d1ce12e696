import http from 'node:http';
import WebSocket from 'ws';

/**
 * The load driver. A *target* (bureau or the baseline) says how to post an
 * action and how to read its result off a user's websocket; the driver runs
 * closed-loop lanes (post, wait for the result on the websocket, repeat) or an
 * open loop (post at a fixed rate without waiting) and measures POST ->
 * websocket-result latency.
 */

export interface Posted {
  status: number;
  /** The task id to wait for (202 only). */
  id?: string;
  code?: string;
  retryAfter?: string;
}

export interface Outcome {
  ok: boolean;
  code?: string;
  result?: unknown;
}

export interface UserSlot {
  /** The label used in per-user stats. */
  name: string;
  /** Whatever the target needs: a token, a user id... */
  auth: Record<string, unknown>;
}

export interface Target {
  name: string;
  baseUrl: string;
  /** Websocket URL and the first message to send (null: none), resuming after `lastSeq`. */
  wsFor(user: UserSlot, lastSeq: number): { url: string; hello: unknown };
  /** Pulls the task id and outcome out of a websocket message, or null when it is not a final result. */
  parseResult(message: unknown): { id: string; outcome: Outcome } | null;
  /** Path and body of an action's POST. */
  request(user: UserSlot, action: string, data: unknown): { path: string; body: unknown };
  /** Reads the POST's reply. */
  parsePosted(status: number, body: unknown, headers: http.IncomingHttpHeaders): Posted;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

export function postJson(url: string, body: unknown): Promise<{ status: number; body: unknown; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const payload = Buffer.from(JSON.stringify(body));
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': payload.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          /* keep the text */
        }
        resolve({ status: res.statusCode ?? 0, body: parsed, headers: res.headers });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** One user's websocket: results by task id, including results that arrive before their POST returns. */
export class UserFeed {
  private readonly waiting = new Map<string, (o: Outcome) => void>();
  private readonly early = new Map<string, Outcome>();
  answered = 0;
  /** Highest feed seq seen (bureau). */
  lastSeq = 0;
  ws!: WebSocket;
  private constructor(
    private readonly target: Target,
    private readonly user: UserSlot,
  ) {}

  private closedByUs = false;
  reconnects = 0;

  /**
   * Connects and resolves after the server's hello. Like a real client, a
   * dropped connection reconnects and resumes from the last seq it saw
   * (bureau); the baseline has no resume, so whatever it sends meanwhile is lost.
   */
  static async open(target: Target, user: UserSlot): Promise<UserFeed> {
    const feed = new UserFeed(target, user);
    await feed.connect();
    return feed;
  }

  private connect(): Promise<void> {
    const { url, hello } = this.target.wsFor(this.user, this.lastSeq);
    const ws = new WebSocket(url);
    this.ws = ws;
    return new Promise((resolve, reject) => {
      let greeted = false;
      ws.on('open', () => hello !== null && ws.send(JSON.stringify(hello)));
      ws.on('message', (raw) => {
        const m = JSON.parse(raw.toString()) as { type?: string; seq?: number };
        if (!greeted) {
          if (m.type !== 'hello') return reject(new Error(`${this.target.name}: websocket refused: ${raw.toString()}`));
          greeted = true;
          return resolve();
        }
        if (typeof m.seq === 'number') {
          if (m.seq <= this.lastSeq) return;
          this.lastSeq = m.seq;
        }
        const r = this.target.parseResult(m);
        if (!r) return;
        this.answered++;
        const w = this.waiting.get(r.id);
        if (w) {
          this.waiting.delete(r.id);
          w(r.outcome);
        } else this.early.set(r.id, r.outcome);
      });
      ws.on('error', (err) => {
        if (!greeted) reject(err);
      });
      ws.on('close', () => {
        if (!greeted) return reject(new Error(`${this.target.name}: websocket closed before hello`));
        if (this.closedByUs) return;
        this.reconnects++;
        setTimeout(() => void this.connect().catch(() => undefined), 100);
      });
    });
  }

  /** The outcome of task `id`, or null after `ms`. */
  wait(id: string, ms: number): Promise<Outcome | null> {
    const got = this.early.get(id);
    if (got) {
      this.early.delete(id);
      return Promise.resolve(got);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve(null);
      }, ms);
      this.waiting.set(id, (o) => {
        clearTimeout(timer);
        resolve(o);
      });
    });
  }

  close(): void {
    this.closedByUs = true;
    this.ws.close();
  }
}

export interface Connected {
  user: UserSlot;
  feed: UserFeed;
}

export async function connectUsers(target: Target, users: UserSlot[]): Promise<Connected[]> {
  return Promise.all(users.map(async (user) => ({ user, feed: await UserFeed.open(target, user) })));
}

export interface LatencyStats {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function latencyStats(samples: number[]): LatencyStats {
  if (!samples.length) return { count: 0, p50: 0, p95: 0, p99: 0, max: 0, mean: 0 };
  const s = Float64Array.from(samples).sort();
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  const round = (v: number) => Math.round(v * 10) / 10;
  return { count: s.length, p50: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)), max: round(s[s.length - 1]!), mean: round(samples.reduce((a, b) => a + b, 0) / s.length) };
}

/** What a lane's action reported: the driver aggregates these per action name. */
export class Recorder {
  measuring = false;
  /** The window is over: in-flight actions still report errors and losses, not latencies. */
  closing = false;
  readonly latencies: number[] = [];
  /** POST -> HTTP reply of the same actions (the door's share of `latencies`). */
  readonly replyLatencies: number[] = [];
  readonly byAction = new Map<string, number[]>();
  completed = 0;
  /** Every completed action, warm-up and tail included (round-trip budgets divide by this). */
  all = 0;
  errors = 0;
  lost = 0;
  readonly lostIds: string[] = [];
  readonly errorCodes = new Map<string, number>();
  /** Answered with a 429 (back-pressure), counted apart from errors. */
  throttled = 0;

  error(code: string): void {
    if (!this.measuring) return;
    this.errors++;
    this.errorCodes.set(code, (this.errorCodes.get(code) ?? 0) + 1);
  }
}

export interface Act {
  (conn: Connected, action: string, data: unknown): Promise<unknown>;
}

export class ActionFailed extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

/** Post an action and wait for its result on the user's websocket; records latency/errors/lost. */
export function makeAct(target: Target, rec: Recorder, resultTimeoutMs: number): Act {
  return async (conn, action, data) => {
    const measuring = rec.measuring;
    const { path, body } = target.request(conn.user, action, data);
    const t0 = performance.now();
    let posted: Posted;
    try {
      const res = await postJson(target.baseUrl + path, body);
      posted = target.parsePosted(res.status, res.body, res.headers);
    } catch (err) {
      if (measuring) rec.error(`HTTP ${(err as Error).message}`);
      throw new ActionFailed('HTTP');
    }
    if (posted.status === 429) {
      if (measuring) rec.throttled++;
      throw new ActionFailed('RATE_LIMITED');
    }
    if (posted.status !== 202 || !posted.id) {
      if (measuring) rec.error(`${posted.status} ${posted.code ?? ''}`.trim());
      throw new ActionFailed(posted.code ?? String(posted.status));
    }
    const replied = performance.now() - t0;
    const outcome = await conn.feed.wait(posted.id, resultTimeoutMs);
    const ms = performance.now() - t0;
    if (!outcome) {
      if (measuring) {
        rec.lost++;
        if (rec.lostIds.length < 20) rec.lostIds.push(`${posted.id}@${conn.feed.lastSeq}`);
      }
      throw new ActionFailed('LOST');
    }
    if (!outcome.ok) {
      if (measuring) rec.error(outcome.code ?? 'failed');
      throw new ActionFailed(outcome.code ?? 'failed');
    }
    rec.all++;
    if (measuring && rec.measuring && !rec.closing) {
      rec.completed++;
      rec.latencies.push(ms);
      rec.replyLatencies.push(replied);
      let list = rec.byAction.get(action);
      if (!list) rec.byAction.set(action, (list = []));
      list.push(ms);
    }
    return outcome.result;
  };
}

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
