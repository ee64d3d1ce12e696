import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import { readFileSync } from 'node:fs';
import { AppError, toAppError } from '../core/errors.js';
import type { Accounts } from '../domains/accounts/service.js';
import { InvitationLinks } from '../domains/invitations/links.js';
import { escapeHtml } from '../domains/invitations/templates.js';
import { transactionOn, type Orm } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';

const asset = (file: string) => readFileSync(new URL(`./invitation-assets/${file}`, import.meta.url));
const ASSETS: Record<string, { type: string; body: Buffer }> = {
  'invite.css': { type: 'text/css; charset=utf-8', body: asset('invite.css') },
  'accept.js': { type: 'text/javascript; charset=utf-8', body: asset('accept.js') },
};
/** A transparent 1x1 GIF. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${escapeHtml(title)} · bureau</title><link rel="stylesheet" href="/i/assets/invite.css"></head>
<body><main>${body}</main></body></html>`;
}

const GONE_PAGES = {
  expired: ['This invitation has expired', 'Invitation links work for a limited time. Ask the person who invited you to send a new one.'],
  revoked: ['This invitation was withdrawn', 'It can no longer be used. If you think this is a mistake, contact the person who invited you.'],
  registered: ['This invitation has already been accepted', 'Log in to the console with your email and password.'],
  unknown: ['This link is not valid', 'Check that you opened the whole link from the email.'],
} as const;

function explain(ctx: Context, state: keyof typeof GONE_PAGES, tenant?: string): void {
  const [title, text] = GONE_PAGES[state];
  ctx.status = { expired: 410, revoked: 410, registered: 409, unknown: 404 }[state];
  ctx.type = 'html';
  const login = state === 'registered' ? '<a class="button" href="/console/">Open the console</a>' : '';
  ctx.body = page(title, `<h1>${escapeHtml(title)}</h1>${tenant ? `<p class="muted">${escapeHtml(tenant)}</p>` : ''}<p>${escapeHtml(text)}</p>${login}`);
}

function acceptForm(token: string, inv: { email: string; tenant: string; firstName: string; lastName: string; expiresAt: Date }, error?: string): string {
  const v = (s: string) => escapeHtml(s);
  return page(
    `Join ${inv.tenant}`,
    `<h1>Join ${v(inv.tenant)}</h1>
<p>You were invited as <strong>${v(inv.email)}</strong>. Choose your password to activate your account.</p>
<form method="post" action="/i/${v(token)}" data-token="${v(token)}">
<label for="first_name">First name</label><input id="first_name" name="first_name" required maxlength="100" value="${v(inv.firstName)}" autocomplete="given-name">
<label for="last_name">Last name</label><input id="last_name" name="last_name" required maxlength="100" value="${v(inv.lastName)}" autocomplete="family-name">
<label for="password">Password (at least 10 characters)</label><input id="password" name="password" type="password" required minlength="10" maxlength="1024" autocomplete="new-password">
<label for="password_again">Password again</label><input id="password_again" name="password_again" type="password" required minlength="10" maxlength="1024" autocomplete="new-password">
<div class="error" role="alert">${error ? v(error) : ''}</div>
<button type="submit">Accept the invitation</button>
</form>
<p class="muted">This link works until ${v(inv.expiresAt.toUTCString())}.</p>
<script type="module" src="/i/assets/accept.js"></script>`,
  );
}

/**
 * The invitation links an email carries. `GET /i/:token` records a click and
 * shows the accept form; it never registers anything, so a mail scanner that
 * follows links cannot accept an invitation. `POST /i/:token` (the form) or the
 * `accept_invitation` action registers. `GET /i/:token/open.gif` is the open
 * pixel. Pages never show a stack: an unusable link explains itself (410/409/404).
 */
export function invitationPages(deps: { orm: Orm; accounts: Accounts; log: Logger; now?: () => Date }): Router {
  const router = new Router({ prefix: '/i' });
  const links = new InvitationLinks({ transaction: transactionOn(deps.orm), accounts: deps.accounts, now: deps.now ?? (() => new Date()) });

  router.get('/assets/:file', (ctx) => {
    const a = ASSETS[ctx.params.file!];
    if (!a) throw new AppError('NOT_FOUND', 'No such file.');
    ctx.type = a.type;
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = a.body;
  });

  router.get('/:token/open.gif', async (ctx) => {
    await links.opened(ctx.params.token!).catch((err: unknown) => deps.log.warn({ err: toAppError(err).message }, 'could not record an invitation open'));
    ctx.type = 'image/gif';
    ctx.set('Cache-Control', 'no-store, private');
    ctx.body = PIXEL;
  });

  router.get('/:token', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const state = await links.clicked(ctx.params.token!);
    if (state.state !== 'open') return explain(ctx, state.state, state.tenant);
    ctx.type = 'html';
    ctx.body = acceptForm(ctx.params.token!, state.invitation);
  });

  router.post('/:token', bodyParser({ enableTypes: ['form'], formLimit: '16kb' }), async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const token = ctx.params.token!;
    const form = (ctx.request.body ?? {}) as Record<string, unknown>;
    const field = (k: string) => (typeof form[k] === 'string' ? (form[k] as string).trim() : '');
    const retry = async (message: string) => {
      const state = await links.clicked(token, false);
      if (state.state !== 'open') return explain(ctx, state.state, state.tenant);
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = acceptForm(token, { ...state.invitation, firstName: field('first_name'), lastName: field('last_name') }, message);
    };
    const password = typeof form.password === 'string' ? form.password : '';
    if (!field('first_name') || !field('last_name')) return retry('Please give your first and last name.');
    if (password.length < 10) return retry('The password needs at least 10 characters.');
    if (password.length > 1024) return retry('The password may have at most 1024 characters.');
    if (field('first_name').length > 100 || field('last_name').length > 100) return retry('Names may have at most 100 characters.');
    if (form.password_again !== undefined && form.password_again !== password) return retry('The two passwords differ.');
    try {
      await links.accept(token, { firstName: field('first_name'), lastName: field('last_name'), password });
    } catch (err) {
      const e = toAppError(err);
      if (e.code === 'GONE') return explain(ctx, e.message.includes('revoked') ? 'revoked' : 'expired');
      if (e.code === 'CONFLICT') return explain(ctx, 'registered');
      if (e.code === 'NOT_FOUND') return explain(ctx, 'unknown');
      throw e;
    }
    ctx.type = 'html';
    ctx.body = page('Welcome', '<h1>Your account is active</h1><p>Log in to the console with your email and the password you chose.</p><a class="button" href="/console/">Open the console</a>');
  });

  return router;
}
