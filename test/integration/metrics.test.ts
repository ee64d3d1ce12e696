import assert from 'node:assert/strict';
import { domains } from '../../src/domains.js';
import { serveMetrics } from '../../src/infra/metrics.js';
import { startTestBureau, type TestBureau } from '../helpers/bureau.js';

/** `name{labels} value` lines of a Prometheus scrape, as sample -> value. */
function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

describe('Prometheus metrics', () => {
  let b: TestBureau;
  let admin: string;
  const scrape = async (url: string) => {
    const res = await fetch(`${url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    return parse(await res.text());
  };
  before(async () => {
    b = await startTestBureau();
    admin = await b.login('admin@acme.test');
  });
  after(() => b.close());

  it('counts requests by route and status, and tasks by action and final status, after traffic', async () => {
    const before = await scrape(b.url);
    const ok = await b.act(admin, 'create_customer', { name: 'Metered Customer' });
    assert.equal(ok.body.task.status, 'succeeded');
    const failed = await b.act(admin, 'get_customer', { id: 999_999 });
    assert.equal(failed.body.task.status, 'failed');
    await b.post({ token: admin, task: { action: 'no_such_action' } });
    await fetch(`${b.url}/api/v1/tasks/${ok.body.task.id}`, { headers: { authorization: `Bearer ${admin}` } });
    const after = await scrape(b.url);
    const moved = (sample: string) => (after.get(sample) ?? 0) - (before.get(sample) ?? 0);

    assert.equal(moved('bureau_tasks_total{action="create_customer",status="succeeded"}'), 1);
    assert.equal(moved('bureau_tasks_total{action="get_customer",status="failed"}'), 1);
    assert.equal(moved('bureau_task_latency_seconds_count{action="create_customer"}'), 1);
    assert.equal(moved('bureau_http_requests_total{method="POST",route="/api/v1",status="400"}'), 1);
    assert.ok(moved('bureau_http_requests_total{method="POST",route="/api/v1",status="200"}') >= 2);
    // The route is the pattern, never the id.
    assert.equal(moved('bureau_http_requests_total{method="GET",route="/api/v1/tasks/:id",status="200"}'), 1);
    assert.ok(moved('bureau_feed_lag_seconds_count') >= 2, 'results reaching the web process are timed from their finishedAt');
  });

  it('reports queue depth and oldest waiting age per worker kind, websockets, the outbox backlog and process metrics', async () => {
    const feed = await b.feed(admin);
    try {
      const m = await scrape(b.url);
      assert.equal(m.get('bureau_websocket_connections'), 1);
      for (const kind of domains.workerKinds) {
        assert.ok(m.has(`bureau_queue_jobs{queue="${kind}",state="waiting"}`), `queue depth of ${kind}`);
        assert.ok(m.has(`bureau_queue_oldest_waiting_seconds{queue="${kind}"}`), `oldest waiting of ${kind}`);
        assert.equal(m.get(`bureau_tasks_held{queue="${kind}"}`), 0, `tasks held on ${kind}`);
      }
      assert.ok(m.has('bureau_outbox_backlog'));
      assert.ok(m.has('process_cpu_user_seconds_total'));
      assert.ok(m.has('nodejs_eventloop_lag_seconds'));
    } finally {
      await feed.close();
    }
  });

  it('counts a task cancelled by the web process as cancelled', async () => {
    const before = await scrape(b.url);
    await b.stopWorkers();
    try {
      const queued = await b.post({ token: admin, task: { action: 'create_customer', data: { name: 'Cancelled Metered' } } });
      const cancelled = await b.post({ token: admin, task: { action: 'cancel_task', data: { id: queued.body.task.id } } });
      assert.equal(cancelled.body.status, 'cancelled');
    } finally {
      await b.startWorkers();
    }
    const after = await scrape(b.url);
    const moved = (sample: string) => (after.get(sample) ?? 0) - (before.get(sample) ?? 0);
    assert.equal(moved('bureau_tasks_total{action="create_customer",status="cancelled"}'), 1);
  });

  it('a second metrics server on a taken port logs a warning naming the port and runs on without one', async () => {
    const first = await serveMetrics(b.rt.metrics, 0, '127.0.0.1');
    assert.ok(first);
    const warnings: { obj: object; msg: string }[] = [];
    try {
      const second = await serveMetrics(b.rt.metrics, first.port, '127.0.0.1', { warn: ((obj: object, msg: string) => warnings.push({ obj, msg })) as never });
      assert.equal(second, null);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!.msg, new RegExp(`METRICS_PORT ${first.port} is already in use`));
      // The first one still answers.
      assert.equal((await fetch(`http://127.0.0.1:${first.port}/metrics`)).status, 200);
    } finally {
      await first.close();
    }
  });

  it('serves the same metrics on a port of its own for worker processes (METRICS_PORT)', async () => {
    const server = (await serveMetrics(b.rt.metrics, 0, '127.0.0.1'))!;
    try {
      const m = await scrape(`http://127.0.0.1:${server.port}`);
      assert.ok((m.get('bureau_tasks_total{action="create_customer",status="succeeded"}') ?? 0) >= 1);
      assert.equal((await fetch(`http://127.0.0.1:${server.port}/other`)).status, 404);
    } finally {
      await server.close();
    }
  });
});
