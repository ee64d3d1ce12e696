import { defineAction } from '../../../core/define-action.js';
import { ON_ONE_INVITATION, fire, invitationMachine, invitationView, loadInvitation, scheduleSendAndExpiry } from '../rules.js';

export const reinvite = defineAction({
  name: 'reinvite',
  summary:
    'Sends a fresh invitation email and extends the expiry by the invitation lifetime. Links in earlier emails keep working until their own expiry; all resolve to the same invitation. Not for registered or revoked invitations (409).',
  ...ON_ONE_INVITATION,
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
