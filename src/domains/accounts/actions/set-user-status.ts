import { z } from 'zod';
import { defineInlineAction } from '../../../core/define-action.js';
import { AppError } from '../../../core/errors.js';
import { EventBuffer } from '../../audit/record.js';
import { accountsFor } from '../service.js';

const Id = z.number().int().positive().max(2_147_483_647);

/**
 * Inline, so the change is committed when the admin gets the answer: a
 * disabled user's next request is refused on every web process (each request
 * checks its session and the user's status), and the web process tells the
 * others over the feed bus to close the user's websockets.
 */
export const setUserStatus = defineInlineAction({
  name: 'set_user_status',
  summary:
    "Disables a user of your tenant (`active` -> `disabled`: every session of theirs ends at once, HTTP and websockets, on every web process) or enables them again (`disabled` -> `active`; they log in afresh). Through the user machine, with an event row. 409 INVALID_TRANSITION for an invited user or no change; 409 CONFLICT for disabling yourself.",
  roles: ['admin'],
  access: { ids: { user_id: 'user' }, owner: 'tenant' },
  input: z.strictObject({ user_id: Id, status: z.enum(['active', 'disabled']), reason: z.string().trim().max(2000).optional() }),
  example: { user_id: 1, status: 'disabled', reason: 'Left the company.' },
  async handler(input, ctx) {
    const actor = ctx.actor;
    if (!actor || actor.kind !== 'user') throw new AppError('UNAUTHENTICATED', 'Log in first.');
    if (input.user_id === actor.id && input.status === 'disabled') throw new AppError('CONFLICT', 'You may not disable your own account.', { field: 'user_id' });
    const events = new EventBuffer();
    const user = await ctx.transaction(async (tx) => {
      const u = await accountsFor(ctx.config).setStatus(events.on(tx), { tenantId: actor.tenantId, userId: input.user_id, status: input.status, reason: input.reason });
      await events.flush(tx, { tenantId: actor.tenantId, actorId: actor.id, taskId: null, at: ctx.now() });
      return u;
    });
    if (user.status === 'disabled') await ctx.web.sessions.ended(user.id, { reason: 'account_disabled' });
    return user;
  },
});
