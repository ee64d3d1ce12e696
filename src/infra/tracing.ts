import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ConsoleSpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { Config } from '../config.js';

/**
 * OpenTelemetry traces, off by default (`Config.tracing`, from the standard
 * OTEL_* variables). One trace follows an action: the HTTP request
 * (`src/http/tracing.ts`), the job (its W3C `traceparent` travels in the job
 * data: no secret, only ids), the worker's run and transaction, the result's
 * publication, and its push to the websockets of the web process (the
 * `traceparent` travels in the feed-bus message).
 *
 * Instrumented code calls the OpenTelemetry API only; without a registered
 * provider those calls do nothing, and the call sites skip even that when
 * tracing is off.
 */

export type TraceCarrier = Record<string, string>;

const tracer = () => trace.getTracer('bureau');

export { SpanKind };

/** The active context as W3C headers, for a job or a bus message; undefined when nothing is traced. */
export function currentCarrier(): TraceCarrier | undefined {
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ? carrier : undefined;
}

/** Runs `fn` inside a new span, child of `parent` (a carrier) or of the active span; records a throw as the span's error. */
export async function withSpan<T>(name: string, opts: { kind?: SpanKind; parent?: TraceCarrier; attributes?: Attributes }, fn: (span: Span) => Promise<T>): Promise<T> {
  const parent = opts.parent ? propagation.extract(context.active(), opts.parent) : context.active();
  return tracer().startActiveSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL, attributes: opts.attributes }, parent, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** `withSpan` for synchronous work. */
export function withSpanSync<T>(name: string, opts: { kind?: SpanKind; parent?: TraceCarrier; attributes?: Attributes }, fn: (span: Span) => T): T {
  const parent = opts.parent ? propagation.extract(context.active(), opts.parent) : context.active();
  return tracer().startActiveSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL, attributes: opts.attributes }, parent, (span) => {
    try {
      return fn(span);
    } finally {
      span.end();
    }
  });
}

/**
 * Registers the process's tracer provider when tracing is on: OTLP over HTTP
 * (the exporter reads OTEL_EXPORTER_OTLP_* itself) or the console. Call once,
 * at the start of an entry point; `shutdown` flushes what is buffered.
 */
export function startTracing(config: Config, processName: string): { shutdown(): Promise<void> } | null {
  if (!config.tracing.enabled) return null;
  const exporter = config.tracing.exporter === 'console' ? new ConsoleSpanExporter() : new OTLPTraceExporter();
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.tracing.serviceName, 'bureau.process': processName }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  provider.register();
  return { shutdown: () => provider.shutdown() };
}
