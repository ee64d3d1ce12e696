import { z } from 'zod';
import { defineInlineAction } from '../../core/define-action.js';
import { AppError } from '../../core/errors.js';

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
  handler: (input, ctx) => ctx.services.login(input.name, input.password, input.tenant),
});

export const logout = defineInlineAction({
  name: 'logout',
  summary: 'Revokes the session token the request carries.',
  roles: ['admin', 'compliance', 'service'],
  access: { ids: {}, owner: 'tenant' },
  input: z.strictObject({}),
  example: {},
  async handler(_input, ctx) {
    if (!ctx.token) throw new AppError('UNAUTHENTICATED', 'No token to revoke.');
    await ctx.services.logout(ctx.token);
    return { loggedOut: true };
  },
});

export const accountActions = [login, logout];
