import Koa from 'koa';
import { randomUUID } from 'node:crypto';
import { apiRouter, type ApiDeps } from './http/api.js';
import { errorHandler } from './http/errors.js';

/** The Koa app without listen(), so tests can call app.callback(). */
export function buildApp(deps: ApiDeps): Koa {
  const app = new Koa({ proxy: false });
  app.use(async (ctx, next) => {
    const given = ctx.get('x-request-id');
    ctx.state.requestId = /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
    ctx.set('X-Request-Id', ctx.state.requestId);
    ctx.set('X-Content-Type-Options', 'nosniff');
    await next();
  });
  app.use(errorHandler(deps.log));
  const api = apiRouter(deps);
  app.use(api.routes());
  app.use(api.allowedMethods());
  return app;
}
