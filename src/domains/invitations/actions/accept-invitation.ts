import { z } from 'zod';
import { defineInlineAction } from '../../../core/define-action.js';
import { accountsFor } from '../../accounts/service.js';
import { InvitationLinks } from '../links.js';

const Name = z.string().trim().min(1).max(100);

/** Answered at once, like login: the new user gets a session token in the reply. */
export const acceptInvitation = defineInlineAction({
  name: 'accept_invitation',
  summary:
    'Accepts an invitation with the token from its link: activates the invited user with the name and password given, marks the invitation `registered` and logs the user in (200 with a session token), in one transaction. A second submit gets 409; an expired or revoked invitation 410; an unknown token 404.',
  roles: 'public',
  access: { ids: {}, owner: 'tenant' },
  input: z.strictObject({
    token: z.string().min(20).max(200),
    first_name: Name,
    last_name: Name,
    password: z.string().min(10, 'at least 10 characters').max(1024),
  }),
  example: { token: 'the token from the invitation link', first_name: 'Grace', last_name: 'Hopper', password: 'correct horse battery staple' },
  handler: (input, ctx) =>
    new InvitationLinks({ transaction: (fn) => ctx.transaction(fn), accounts: accountsFor(ctx.config), now: ctx.now }).accept(input.token, {
      firstName: input.first_name,
      lastName: input.last_name,
      password: input.password,
    }),
});
