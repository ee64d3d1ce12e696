import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gauge, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { Logger } from './logger.js';
import type { Queues } from './queue.js';

/**
 * Prometheus metrics of one bureau process (prom-client). Each runtime has its
 * own registry (tests run several in one process); process metrics (CPU,
 * memory, event loop, GC) belong to the process and are registered once, on a
 * registry of their own, merged in at each scrape.
 *
 * Served at `/metrics` by the web process and, when METRICS_PORT is set, by
 * worker processes (`serveMetrics`). See docs/operations.md for the list.
 */
let processRegistry: Registry | null = null;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** One labelled series: its label values by name, and what it counted. */
interface Series {
  labels: Record<string, string>;
  buckets: number[];
  sum: number;
  count: number;
}

/**
 * A counter or histogram counted on every request or task, with its label
 * values given in `labelNames` order: the hot path is a Map lookup (and, for a
 * histogram, a bucket search), where prom-client validates and hashes a label
 * object on every call (2 us a counter increment, 4 us a timed histogram
 * observation, measured here). prom-client's registry reads it through `get()`,
 * in the shape of prom-client's own counters and histograms, so `/metrics` is
 * written the same.
 */
class Tally {
  readonly aggregator = 'sum';
  private readonly series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'histogram',
    private readonly labelNames: readonly string[],
    registry: Registry,
    private readonly bounds: readonly number[] = [],
  ) {
    registry.registerMetric(this as unknown as Metric);
    // As prom-client does: a metric without labels shows its zero series before anything is counted.
    if (!labelNames.length) this.of([]);
  }

  private of(values: readonly string[]): Series {
    const key = values.join('\n');
    let s = this.series.get(key);
    if (!s) {
      s = { labels: Object.fromEntries(this.labelNames.map((n, i) => [n, values[i] ?? ''])), buckets: this.bounds.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    return s;
  }

  /** Counter: one more for these label values. */
  inc(...values: string[]): void {
    this.of(values).count++;
  }

  /** Histogram: one observation for these label values. */
  observe(value: number, ...values: string[]): void {
    const s = this.of(values);
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    if (i < s.buckets.length) s.buckets[i]!++;
    s.sum += value;
    s.count++;
  }

  get() {
    const values: { labels: Record<string, string | number>; value: number; metricName?: string }[] = [];
    for (const s of this.series.values()) {
      if (this.type === 'counter') {
        values.push({ labels: { ...s.labels }, value: s.count });
        continue;
      }
      let acc = 0;
      this.bounds.forEach((le, i) => values.push({ labels: { le, ...s.labels }, value: (acc += s.buckets[i]!), metricName: `${this.name}_bucket` }));
      values.push(
        { labels: { le: '+Inf', ...s.labels }, value: s.count, metricName: `${this.name}_bucket` },
        { labels: { ...s.labels }, value: s.sum, metricName: `${this.name}_sum` },
        { labels: { ...s.labels }, value: s.count, metricName: `${this.name}_count` },
      );
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}

export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests = new Tally('bureau_http_requests_total', 'HTTP requests by method, route and status.', 'counter', ['method', 'route', 'status'], this.registry);
  readonly httpDuration = new Tally('bureau_http_request_duration_seconds', 'HTTP request duration by method and route.', 'histogram', ['method', 'route'], this.registry, LATENCY_BUCKETS);
  readonly tasks = new Tally('bureau_tasks_total', 'Tasks finished in this process (by a worker, or cancelled by the web process), by action and final status.', 'counter', ['action', 'status'], this.registry);
  readonly taskLatency = new Tally('bureau_task_latency_seconds', 'Time from a task entering its queue (or its timer firing) to its result being stored, by action.', 'histogram', ['action'], this.registry, LATENCY_BUCKETS);
  readonly feedLag = new Tally('bureau_feed_lag_seconds', 'Time from a task finishing to its result reaching this web process for its websockets.', 'histogram', [], this.registry, LATENCY_BUCKETS);

  /** A gauge read when scraped; `read` returns one value per label set. */
  gauge<L extends string>(name: string, help: string, labelNames: readonly L[], read: () => Promise<[Partial<Record<L, string>>, number][]> | [Partial<Record<L, string>>, number][]): void {
    if (this.registry.getSingleMetric(name)) return;
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const [labels, value] of await read()) this.set(labels, value);
      },
    });
  }

  /** Depth and oldest waiting job's age of each queue (worker kind) this process runs. */
  watchQueues(queues: Queues, kinds: readonly string[], log: Logger): void {
    const states = ['waiting', 'prioritized', 'active', 'delayed', 'failed'] as const;
    this.gauge('bureau_queue_jobs', 'Jobs in each queue by state.', ['queue', 'state'], async () => {
      const out: [Record<'queue' | 'state', string>, number][] = [];
      for (const kind of kinds) {
        const counts = await queues.queue(kind).getJobCounts(...states).catch((err: Error) => (log.debug({ err: err.message }, 'queue counts unreadable'), null));
        if (counts) for (const state of states) out.push([{ queue: kind, state }, counts[state] ?? 0]);
      }
      return out;
    });
    this.gauge('bureau_queue_oldest_waiting_seconds', 'Age of the oldest job waiting in each queue (0 when none waits).', ['queue'], async () => {
      const now = Date.now();
      const out: [Record<'queue', string>, number][] = [];
      for (const kind of kinds) {
        const [oldest] = await queues.queue(kind).getJobs(['waiting'], 0, 0, true).catch(() => []);
        out.push([{ queue: kind }, oldest ? Math.max(0, now - oldest.timestamp - (oldest.delay ?? 0)) / 1000 : 0]);
      }
      return out;
    });
  }

  /** What a worker reports as it stores a task's final status. */
  taskFinished(action: string, status: string, enqueuedAt: number | undefined): void {
    this.tasks.inc(action, status);
    if (enqueuedAt) this.taskLatency.observe(Math.max(0, Date.now() - enqueuedAt) / 1000, action);
  }

  /** A feed message as it reaches the web process: results carry their task's `finishedAt`. */
  feedDelivered(body: Record<string, unknown> | undefined): void {
    const finishedAt = (body?.task as { finishedAt?: unknown } | undefined)?.finishedAt;
    const at = typeof finishedAt === 'string' ? Date.parse(finishedAt) : NaN;
    if (Number.isFinite(at)) this.feedLag.observe(Math.max(0, Date.now() - at) / 1000);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text a scrape gets: this runtime's metrics and the process's. */
  text(): Promise<string> {
    return Registry.merge([processMetrics(), this.registry]).metrics();
  }
}

/**
 * `GET /metrics` on a port of its own (worker processes: METRICS_PORT). When the
 * port is taken (several worker processes on one host given the same
 * METRICS_PORT), it logs a warning naming the port and returns null: the
 * process runs on without metrics, never crashes over them. Any other listen
 * error is thrown. docs/operations.md: one port per process.
 */
export async function serveMetrics(metrics: Metrics, port: number, host: string, log?: Pick<Logger, 'warn'>): Promise<{ port: number; close(): Promise<void> } | null> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    metrics.text().then(
      (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
      (err: Error) => res.writeHead(500).end(err.message),
    );
  });
  const warn = (obj: object, msg: string) => (log ? log.warn(obj, msg) : console.warn(msg));
  const listening = await new Promise<boolean>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EADDRINUSE') return reject(err);
      warn(
        { port, host, err: err.message },
        `METRICS_PORT ${port} is already in use on ${host} (another process serves its metrics there): this process runs without a metrics endpoint; give each process its own METRICS_PORT (docs/operations.md)`,
      );
      resolve(false);
    });
    server.listen(port, host, () => resolve(true));
  });
  if (!listening) return null;
  // Errors after listening (none expected) are logged, never thrown at the process.
  server.on('error', (err) => warn({ port, err: err.message }, `metrics endpoint on port ${port}: ${err.message}`));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
