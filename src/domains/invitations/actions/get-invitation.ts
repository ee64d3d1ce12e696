import { defineAction } from '../../../core/define-action.js';
import { history } from '../../backoffice/rules.js';
import { ON_ONE_INVITATION, invitationView, loadInvitation } from '../rules.js';

export const getInvitation = defineAction({
  name: 'get_invitation',
  summary: 'Returns an invitation of your tenant: status, sends, opens, clicks, expiry, and its history (created, sent, opened, clicked, registered, expired, revoked, reinvited: who, when, why).',
  ...ON_ONE_INVITATION,
  async handler(input, ctx) {
    const inv = await loadInvitation(ctx, input.id, false);
    const [links] = await ctx.sql<{ n: number; live: number }>(
      'select count(*)::int as n, count(*) filter (where expires_at > ?)::int as live from invitation_token where invitation_id = ?',
      [ctx.now(), inv.id],
    );
    return { ...invitationView(inv), links: { sent: links?.n ?? 0, unexpired: links?.live ?? 0 }, history: await history(ctx, 'invitation', inv.id) };
  },
});
