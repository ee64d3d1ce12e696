import type { Middleware } from 'koa';
import type { Metrics } from '../infra/metrics.js';

/**
 * Counts every request by method, route and status, and serves `GET /metrics`.
 * The route is the router's pattern (`/api/v1/tasks/:id`), never the raw path,
 * so ids and tokens in URLs neither leak into labels nor multiply them; a
 * request no route matched counts as `unmatched`.
 */
export function httpMetrics(metrics: Metrics): Middleware {
  return async (ctx, next) => {
    if (ctx.method === 'GET' && ctx.path === '/metrics') {
      ctx.set('Cache-Control', 'no-store');
      ctx.type = metrics.contentType;
      ctx.body = await metrics.text();
      return;
    }
    const start = performance.now();
    const record = () => {
      const route = ctx.path === '/api/v1' ? '/api/v1' : ((ctx as { _matchedRoute?: unknown })._matchedRoute as string | undefined) ?? (ctx.path.startsWith('/console/') ? '/console/*' : 'unmatched');
      metrics.httpRequests.inc(ctx.method, route, String(ctx.status));
      metrics.httpDuration.observe((performance.now() - start) / 1000, ctx.method, route);
    };
    try {
      await next();
    } finally {
      // The error handler below has set the status by now; a websocket upgrade never comes through here.
      record();
    }
  };
}
