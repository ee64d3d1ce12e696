import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import { AppError, toAppError } from '../core/errors.js';

/** Errors koa's body parser (co-body / raw-body) throws, by their `type`. */
export function fromHttpError(err: { type?: string; status?: number; expose?: boolean; message?: string }): AppError | null {
  if (err instanceof SyntaxError) return new AppError('BAD_JSON', 'The request body is not valid JSON.');
  switch (err.type) {
    case 'entity.too.large':
      return new AppError('PAYLOAD_TOO_LARGE', 'The request body is larger than the limit.');
    case 'entity.parse.failed':
      return new AppError('BAD_JSON', 'The request body is not valid JSON.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported body encoding.');
    case 'request.aborted':
    case 'request.size.invalid':
      return new AppError('BAD_ENVELOPE', 'The request body was incomplete.');
  }
  if (typeof err.status === 'number' && err.status >= 400 && err.status < 500 && err.expose) {
    return err.status === 404 ? new AppError('NOT_FOUND', err.message ?? 'Not found.') : new AppError('BAD_ENVELOPE', err.message ?? 'Bad request.');
  }
  return null;
}

/** First in the chain: every failure leaves as `{error: {code, message, details}}`. */
export function errorHandler(log: Logger) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new AppError('NOT_FOUND', `No route ${ctx.method} ${ctx.path}.`);
    } catch (thrown) {
      const err = thrown instanceof AppError ? thrown : (fromHttpError(thrown as object) ?? toAppError(thrown));
      if (err.code === 'INTERNAL' || err.code === 'UNAVAILABLE') log.error({ err: thrown, requestId: ctx.state.requestId, path: ctx.path.replace(/^\/(i|api\/v1\/callbacks)\/[^/]+/, '/$1/[token]') }, 'request failed');
      ctx.status = err.status;
      if (err.code === 'RATE_LIMITED') ctx.set('Retry-After', String(err.details?.retryAfter ?? 1));
      ctx.body = { error: err.toJSON() };
    }
  };
}
