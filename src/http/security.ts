import type { Context, Next } from 'koa';

/**
 * The Content-Security-Policy of every response of the web process: the
 * console's scripts, styles and sockets come from bureau itself, nothing is
 * framed, nothing inline runs.
 */
export const STRICT_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

export interface SecurityHeadersOptions {
  /**
   * A looser policy for some paths (a third-party page such as Bull Board at
   * `/admin/queues` that needs inline styles): path prefix -> CSP. Only these
   * prefixes get it; every other response keeps `STRICT_CSP`. A route may also
   * set `ctx.state.csp` itself (same meaning, for that one response).
   */
  cspExceptions?: Readonly<Record<string, string>>;
  /** Send HSTS (production behind TLS). */
  hsts?: boolean;
}

/** Headers on every response, errors included (put it before the error handler). */
export function securityHeaders(opts: SecurityHeadersOptions = {}) {
  const exceptions = Object.entries(opts.cspExceptions ?? {});
  return async (ctx: Context, next: Next) => {
    try {
      await next();
    } finally {
      const exception = exceptions.find(([prefix]) => ctx.path === prefix || ctx.path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`));
      const csp = typeof ctx.state.csp === 'string' ? ctx.state.csp : (exception?.[1] ?? STRICT_CSP);
      ctx.set('Content-Security-Policy', csp);
      ctx.set('X-Content-Type-Options', 'nosniff');
      ctx.set('Referrer-Policy', 'no-referrer');
      ctx.set('X-Frame-Options', 'DENY');
      ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
      ctx.set('Cross-Origin-Resource-Policy', 'same-origin');
      ctx.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()');
      if (opts.hsts) ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
      // API answers carry per-user data: never let a shared cache keep them.
      if (ctx.path.startsWith('/api/') && !ctx.response.get('Cache-Control')) ctx.set('Cache-Control', 'no-store');
    }
  };
}

export { findUnstorableText } from '../core/unstorable.js';
