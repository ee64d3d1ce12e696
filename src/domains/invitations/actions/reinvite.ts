import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { Id } from '../../backoffice/schemas.js';
import { fire, invitationMachine, invitationView, loadInvitation, scheduleSendAndExpiry } from '../rules.js';

export const reinvite = defineAction({
  name: 'reinvite',
  summary:
    'Sends a fresh invitation email and extends the expiry by the invitation lifetime. Links in earlier emails keep working until their own expiry; all resolve to the same invitation. Not for registered or revoked invitations (409).',
  roles: ['admin'],
  access: { ids: { id: 'invitation' }, owner: 'tenant' },
  worker: 'admin',
  input: z.strictObject({ id: Id }),
  example: { id: 1 },
  async handler(input, ctx) {
    const inv = await loadInvitation(ctx, input.id);
    const previousExpiry = inv.expiresAt;
    fire(ctx, invitationMachine, inv, 'reinvited', { data: { previousExpiresAt: previousExpiry.toISOString() } });
    inv.expiresAt = new Date(ctx.now().getTime() + ctx.config.invitationTtlMs);
    await ctx.em.flush();
    scheduleSendAndExpiry(ctx, inv);
    return invitationView(inv);
  },
});
