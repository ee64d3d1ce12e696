import { z } from 'zod';
import { defineInlineAction } from '../../core/define-action.js';
import { AppError } from '../../core/errors.js';
import { changePassword } from './actions/change-password.js';
import { setUserStatus } from './actions/set-user-status.js';
import { accountsFor } from './service.js';

/** Answered at once (200 with a token) because the websocket needs the token. */
export const login = defineInlineAction({
  name: 'login',
  summary: 'Exchanges a login name (email) and password for a session token. Also accepts the seed\'s `{"task": {"action": "login", "name", "password"}}` shape.',
  roles: 'public',
  access: { ids: {}, owner: 'tenant' },
  input: z.strictObject({
    name: z.string().min(1).max(320),
    password: z.string().min(1).max(1024),
    tenant: z.string().min(1).max(100).optional(),
  }),
  example: { name: 'admin@acme.test', password: 'the demo password' },
  async handler(input, ctx) {
    // Throttled by the caller's address and the login name; only wrong passwords count.
    await ctx.web.attempts.check(input.name);
    try {
      const session = await accountsFor(ctx.config).login(ctx, input.name, input.password, input.tenant);
      await ctx.web.attempts.succeeded(input.name);
      return session;
    } catch (err) {
      if (err instanceof AppError && err.code === 'INVALID_CREDENTIALS') await ctx.web.attempts.failed(input.name);
      throw err;
    }
  },
});

export const logout = defineInlineAction({
  name: 'logout',
  summary: 'Revokes the session token the request carries.',
  roles: 'signed-in',
  access: { ids: {}, owner: 'tenant' },
  input: z.strictObject({}),
  example: {},
  async handler(_input, ctx) {
    if (!ctx.token) throw new AppError('UNAUTHENTICATED', 'No token to revoke.');
    await accountsFor(ctx.config).logout(ctx, ctx.token);
    return { loggedOut: true };
  },
});

export const accountActions = [login, logout, changePassword, setUserStatus];
