import Koa from 'koa';
import { randomUUID } from 'node:crypto';
import { AppError } from './core/errors.js';
import { apiRouter, type ApiDeps } from './http/api.js';
import { consoleRoutes } from './http/console.js';
import { errorHandler } from './http/errors.js';
import { invitationPages } from './http/invitation-pages.js';
import type { Queues } from './infra/queue.js';
import { securityHeaders } from './http/security.js';
import { httpMetrics } from './http/metrics.js';
import { httpTracing } from './http/tracing.js';
import type { Metrics } from './infra/metrics.js';
import { workflowCallbacks } from './http/workflow-callbacks.js';

/** The Koa app without listen(), so tests can call app.callback(). */
export function buildApp(deps: ApiDeps & { queues?: Queues; workerKinds?: readonly string[]; metrics?: Metrics }): Koa {
  // Behind a TLS-terminating load balancer, TRUST_PROXY makes ctx.ip and ctx.secure follow X-Forwarded-For/-Proto.
  const app = new Koa({ proxy: deps.config.trustProxy });
  app.use(async (ctx, next) => {
    const given = ctx.get('x-request-id');
    ctx.state.requestId = /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
    ctx.set('X-Request-Id', ctx.state.requestId);
    await next();
  });
  app.use(securityHeaders({ hsts: deps.config.env === 'production' }));
  if (deps.metrics) app.use(httpMetrics(deps.metrics));
  if (deps.config.tracing.enabled) app.use(httpTracing());
  app.use(errorHandler(deps.log));
  const api = apiRouter(deps);
  // Most of the traffic: straight to its handler, past the console's and the invitation pages' routers.
  app.use((ctx, next) => (ctx.method === 'POST' && ctx.path === '/api/v1' ? api.post(ctx, next) : next()));
  for (const mw of consoleRoutes(deps)) app.use(mw);
  const invitations = invitationPages(deps);
  app.use(invitations.routes());
  app.use(workflowCallbacks(deps).routes());
  app.use(api.router.routes());
  // A known path with another method: 405 METHOD_NOT_ALLOWED in the usual error shape.
  const notAllowed = () => new AppError('METHOD_NOT_ALLOWED', 'That method is not served at this path.');
  app.use(api.router.allowedMethods({ throw: true, methodNotAllowed: notAllowed, notImplemented: notAllowed }));
  return app;
}
