import Router from '@koa/router';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Context, Middleware, Next } from 'koa';
import { AppError } from '../core/errors.js';
import { dbOf, type Orm } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { Queues } from '../infra/queue.js';
import type { Accounts } from '../domains/accounts/service.js';

/** Where the console's sources live; esbuild bundles them when the first page asks. */
const SOURCE_DIR = fileURLToPath(new URL('../console/', import.meta.url));
export const CONSOLE_PATH = '/console/';
export const BOARD_PATH = '/admin/queues';
/** The HttpOnly cookie that lets an admin's browser open Bull Board (navigation cannot send a Bearer header). */
export const BOARD_COOKIE = 'bureau_board';

/**
 * Bull Board's own page uses inline style attributes and a `<base href>`; this
 * path alone gets them. Everything else keeps the strict policy.
 */
export const BOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

interface Asset {
  body: string | Buffer;
  type: string;
  etag: string;
}

const etagOf = (body: string | Buffer) => `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;

/**
 * The console's files: index.html and favicon as they are, app.js and app.css
 * bundled by esbuild from src/console/main.ts (once per process, on first use,
 * so processes and tests that never serve a page never pay for it). No build
 * output is committed and nothing comes from a CDN.
 */
async function buildAssets(): Promise<Map<string, Asset>> {
  const esbuild = await import('esbuild');
  const out = await esbuild.build({
    // The sources under tsx; their compiled modules in dist/ (`npm run build`).
    entryPoints: { app: `${SOURCE_DIR}${existsSync(`${SOURCE_DIR}main.ts`) ? 'main.ts' : 'main.js'}` },
    bundle: true,
    format: 'esm',
    target: ['chrome110', 'firefox110', 'safari16'],
    minify: true,
    sourcemap: false,
    write: false,
    outdir: '/console-out',
    logLevel: 'silent',
  });
  const assets = new Map<string, Asset>();
  const add = (name: string, body: string | Buffer, type: string) => assets.set(name, { body, type, etag: etagOf(body) });
  for (const f of out.outputFiles) {
    const name = f.path.split('/').pop()!;
    add(name, f.text, name.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8');
  }
  add('index.html', await readFile(`${SOURCE_DIR}index.html`, 'utf8'), 'text/html; charset=utf-8');
  add('favicon.svg', await readFile(`${SOURCE_DIR}favicon.svg`, 'utf8'), 'image/svg+xml');
  return assets;
}

export interface ConsoleDeps {
  orm: Orm;
  log: Logger;
  accounts: Accounts;
  /** Every worker kind's queue is on the Bull Board. */
  workerKinds?: readonly string[];
  /** The queues Bull Board shows; without them `/admin/queues` is 404. */
  queues?: Queues;
}

/**
 * The browser console (`/console/`), the cookie endpoint that lets an admin's
 * browser open Bull Board, and Bull Board itself at `/admin/queues`, checked on
 * every request: no valid cookie 401, not an admin 403, never the board.
 */
export function consoleRoutes(deps: ConsoleDeps): Middleware[] {
  // strict: `/console` (redirected) and `/console/` (the page) are different routes.
  const router = new Router({ strict: true });
  let assets: Promise<Map<string, Asset>> | null = null;
  const em = () => deps.orm.em.fork();

  const serve = async (ctx: Context, name: string) => {
    assets ??= buildAssets().catch((err: Error) => {
      assets = null;
      deps.log.error({ err }, 'console bundle failed');
      throw new AppError('INTERNAL', 'The console could not be built.');
    });
    const asset = (await assets).get(name);
    if (!asset) throw new AppError('NOT_FOUND', `No console file ${name}.`);
    ctx.set('Cache-Control', 'no-cache');
    ctx.set('ETag', asset.etag);
    ctx.type = asset.type;
    if (ctx.get('if-none-match') === asset.etag) {
      ctx.status = 304;
      return;
    }
    ctx.body = asset.body;
  };

  // Browsers asking for bureau's root get the console; scripts keep the JSON index.
  router.get('/', async (ctx, next) => {
    if (ctx.accepts('json', 'html') === 'html') return ctx.redirect(CONSOLE_PATH);
    await next();
  });
  router.get('/console', (ctx) => ctx.redirect(CONSOLE_PATH));
  router.get(CONSOLE_PATH, (ctx) => serve(ctx, 'index.html'));
  router.get(`${CONSOLE_PATH}:file`, (ctx) => serve(ctx, ctx.params.file!));

  router.post(`${CONSOLE_PATH}session`, async (ctx) => {
    const token = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'))?.[1];
    const actor = await deps.accounts.authenticate(dbOf(em()), token);
    const admin = actor.role === 'admin';
    // Only an admin's browser gets the cookie; anyone else's loses one an earlier admin login left.
    ctx.cookies.set(BOARD_COOKIE, admin ? token : null, { httpOnly: true, sameSite: 'strict', secure: ctx.secure, path: BOARD_PATH, overwrite: true });
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { board: admin ? BOARD_PATH : null };
  });
  router.delete(`${CONSOLE_PATH}session`, (ctx) => {
    ctx.cookies.set(BOARD_COOKIE, null, { httpOnly: true, sameSite: 'strict', secure: ctx.secure, path: BOARD_PATH, overwrite: true });
    ctx.status = 204;
  });

  let board: Middleware | null = null;
  const boardGuard: Middleware = async (ctx: Context, next: Next) => {
    if (ctx.path !== BOARD_PATH && !ctx.path.startsWith(`${BOARD_PATH}/`)) return next();
    ctx.state.csp = BOARD_CSP;
    ctx.set('Cache-Control', 'no-store');
    if (!deps.queues) throw new AppError('NOT_FOUND', `No route ${ctx.method} ${ctx.path}.`);
    const token = ctx.cookies.get(BOARD_COOKIE);
    if (!token) throw new AppError('UNAUTHENTICATED', 'Log in to the console as an admin first; it opens the queues for you.');
    const actor = await deps.accounts.authenticate(dbOf(em()), token);
    if (actor.role !== 'admin') throw new AppError('FORBIDDEN', 'Only admins may see the queues.');
    board ??= await mountBoard(deps.queues, deps.workerKinds ?? []);
    return board(ctx, next);
  };

  return [router.routes() as Middleware, router.allowedMethods() as Middleware, boardGuard];
}

/** Bull Board over every worker kind's queue (Redis or BullMQ's PostgreSQL backend). */
async function mountBoard(queues: Queues, workerKinds: readonly string[]): Promise<Middleware> {
  const [{ createBullBoard }, { BullMQAdapter }, { KoaAdapter }] = await Promise.all([import('@bull-board/api'), import('@bull-board/api/bullMQAdapter'), import('@bull-board/koa')]);
  const adapter = new KoaAdapter();
  adapter.setBasePath(BOARD_PATH);
  // Bull Board types its adapter against its own copy of bullmq's Queue; ours is the same class.
  createBullBoard({ queues: workerKinds.map((kind) => new BullMQAdapter(queues.queue(kind) as never, { readOnlyMode: false })), serverAdapter: adapter, options: { uiConfig: { boardTitle: 'bureau queues' } } });
  return adapter.registerPlugin() as unknown as Middleware;
}
