import assert from 'node:assert/strict';
import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { loadConfig } from '../../src/config.js';
import { until } from '../helpers/procs.js';
import { startTestBureau, type TestBureau } from '../helpers/bureau.js';

describe('OpenTelemetry traces', () => {
  it('are off unless the standard OTEL_* variables turn them on', () => {
    assert.equal(loadConfig({}).tracing.enabled, false);
    assert.equal(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }).tracing.enabled, true);
    assert.equal(loadConfig({ OTEL_TRACES_EXPORTER: 'console', OTEL_SERVICE_NAME: 'b2' }).tracing.serviceName, 'b2');
    assert.equal(loadConfig({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }).tracing.enabled, false);
    assert.equal(loadConfig({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x' }).tracing.enabled, false);
  });

  describe('with an in-memory exporter', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    let b: TestBureau;
    before(async () => {
      provider.register();
      b = await startTestBureau({ config: { tracing: { enabled: true, exporter: 'otlp', serviceName: 'bureau-test' } } });
    });
    after(async () => {
      await b.close();
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    });

    it('links the POST, the worker\'s run and transaction, and the feed push in one trace', async () => {
      const token = await b.login('admin@acme.test');
      const feed = await b.feed(token);
      exporter.reset();
      const r = await b.post({ token, task: { action: 'create_customer', data: { name: 'Traced' } } });
      assert.equal(r.status, 202);
      await feed.waitFor((m) => m.type === 'result' && m.task?.id === r.body.task.id && m.task.status === 'succeeded');
      const spans = () => exporter.getFinishedSpans();
      const named = (name: string) => spans().find((s) => s.name === name);
      // The run's span ends after its result is published, so possibly after the push.
      await until(() => ['feed push', 'run create_customer'].every((n) => named(n)), 10_000, 'the run and feed push spans');
      await feed.close();

      const post = named('POST /api/v1')!;
      const run = named('run create_customer')!;
      const tx = named('transaction create_customer')!;
      const push = named('feed push')!;
      assert.ok(post && run && tx && push, spans().map((s) => s.name).join(', '));
      const traceId = post.spanContext().traceId;
      for (const s of [run, tx, push]) assert.equal(s.spanContext().traceId, traceId, `${s.name} is in the POST's trace`);
      const parent = (s: ReadableSpan) => s.parentSpanContext?.spanId;
      assert.equal(parent(run), post.spanContext().spanId, 'the job continues the request');
      assert.equal(parent(tx), run.spanContext().spanId, 'the transaction is in the run');
      assert.equal(parent(push), run.spanContext().spanId, 'the push continues the run');
      assert.equal(run.attributes['bureau.task.id'], r.body.task.id);
      assert.equal(post.attributes['http.response.status_code'], 202);
    });

    it('carries only the W3C trace context in the job, no token', async () => {
      const token = await b.login('admin@acme.test');
      const r = await b.act(token, 'create_customer', { name: 'Traced again' });
      const job = await b.rt.queues.queue('admin').getJob(`t-${r.body.task.id}`);
      assert.ok(job?.data.trace?.traceparent, 'the job carries its traceparent');
      assert.deepEqual(Object.keys(job!.data.trace!).sort(), ['traceparent']);
      assert.ok(!JSON.stringify(job!.data).includes(token));
    });
  });
});
