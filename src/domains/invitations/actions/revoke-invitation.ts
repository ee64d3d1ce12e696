import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { Id } from '../../backoffice/schemas.js';
import { ON_ONE_INVITATION, fire, invitationMachine, invitationView, loadInvitation } from '../rules.js';

export const revokeInvitation = defineAction({
  name: 'revoke_invitation',
  summary: 'Revokes an invitation: every link it sent stops working at once (410). The invited user stays inactive. Not for registered invitations (409).',
  ...ON_ONE_INVITATION,
  input: z.strictObject({ id: Id, reason: z.string().max(2000).optional() }),
  example: { id: 1, reason: 'Hired elsewhere' },
  async handler(input, ctx) {
    const inv = await loadInvitation(ctx, input.id);
    fire(ctx, invitationMachine, inv, 'revoked', { reason: input.reason });
    await ctx.em.flush();
    return invitationView(inv);
  },
});
