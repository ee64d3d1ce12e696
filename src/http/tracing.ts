import type { Middleware } from 'koa';
import { SpanKind, withSpan } from '../infra/tracing.js';

/**
 * A server span per request (only mounted when tracing is on), child of the
 * caller's `traceparent` header when it sends one. Named by the route pattern,
 * never the raw path (no ids or tokens in span names).
 */
export function httpTracing(): Middleware {
  return (ctx, next) =>
    withSpan(`${ctx.method} ${ctx.path === '/api/v1' ? '/api/v1' : 'request'}`, { kind: SpanKind.SERVER, parent: ctx.get('traceparent') ? { traceparent: ctx.get('traceparent'), tracestate: ctx.get('tracestate') } : undefined, attributes: { 'http.request.method': ctx.method } }, async (span) => {
      try {
        await next();
      } finally {
        const route = ctx.path === '/api/v1' ? '/api/v1' : (((ctx as { _matchedRoute?: unknown })._matchedRoute as string | undefined) ?? 'unmatched');
        span.updateName(`${ctx.method} ${route}`);
        span.setAttributes({ 'http.route': route, 'http.response.status_code': ctx.status });
      }
    });
}
