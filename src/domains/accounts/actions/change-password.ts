import { z } from 'zod';
import { defineInlineAction } from '../../../core/define-action.js';
import { AppError } from '../../../core/errors.js';
import { tokenHash } from '../passwords.js';
import { accountsFor } from '../service.js';

/**
 * Inline: a password must never travel through a queue or a task record. The
 * session that asks keeps working; every other session of the user ends, and
 * their open websockets close on every web process.
 */
export const changePassword = defineInlineAction({
  name: 'change_password',
  summary:
    'Changes your password (argon2id) after checking the current one, and ends every other session of yours (their tokens stop working and their websockets close); the session that asks stays. 401 INVALID_CREDENTIALS when `old_password` is wrong (throttled like login).',
  roles: 'signed-in',
  access: { ids: {}, owner: 'tenant' },
  input: z
    .strictObject({
      old_password: z.string().min(1, 'required').max(1024),
      new_password: z.string().min(10, 'at least 10 characters').max(1024),
    })
    .refine((d) => d.old_password !== d.new_password, { path: ['new_password'], message: 'must differ from the current password' }),
  example: { old_password: 'the current password', new_password: 'correct horse battery staple' },
  async handler(input, ctx) {
    const actor = ctx.actor;
    if (!actor || actor.kind !== 'user' || !ctx.token) throw new AppError('UNAUTHENTICATED', 'Log in first.');
    const subject = `change_password:${actor.id}`;
    await ctx.web.attempts.check(subject);
    const keepTokenHash = tokenHash(ctx.token);
    try {
      const result = await accountsFor(ctx.config).changePassword(ctx, { userId: actor.id, tenantId: actor.tenantId, oldPassword: input.old_password, newPassword: input.new_password, keepTokenHash });
      await ctx.web.attempts.succeeded(subject);
      await ctx.web.sessions.ended(actor.id, { reason: 'password_changed', keepToken: ctx.token });
      return { changed: true, ...result };
    } catch (err) {
      if (err instanceof AppError && err.code === 'INVALID_CREDENTIALS') await ctx.web.attempts.failed(subject);
      throw err;
    }
  },
});
