import { defineAction } from '../../../core/define-action.js';
import { AppError } from '../../../core/errors.js';
import { accountsFor } from '../../accounts/service.js';
import { ON_ONE_INVITATION, loadInvitation } from '../rules.js';

export const deleteInvitation = defineAction({
  name: 'delete_invitation',
  summary:
    'Deletes an invitation that was not accepted, its links, and the inactive user it created (so the email can be invited afresh). Its history stays in the event log. A registered invitation cannot be deleted (409).',
  ...ON_ONE_INVITATION,
  async handler(input, ctx) {
    const inv = await loadInvitation(ctx, input.id);
    if (inv.status === 'registered') throw new AppError('INVALID_TRANSITION', 'A registered invitation cannot be deleted: the user it made is active.', { entity: 'invitation', from: inv.status, event: 'deleted' });
    ctx.record({ entityType: 'invitation', entityId: inv.id, event: 'deleted', fromStatus: inv.status, toStatus: 'deleted', data: { email: inv.email } });
    await ctx.sql('delete from invitation where id = ?', [inv.id]);
    // The user the invitation made, if it never became active and no other invitation points at it.
    const [other] = await ctx.sql('select 1 from invitation where user_id = ? limit 1', [inv.userId ?? 0]);
    const userDeleted = inv.userId != null && !other && (await accountsFor(ctx.config).deleteInvited(ctx, { userId: inv.userId, tenantId: ctx.tenantId }));
    ctx.em.clear();
    return { id: inv.id, deleted: true, userDeleted };
  },
});
