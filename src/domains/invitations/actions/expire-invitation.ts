import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { Id } from '../../backoffice/schemas.js';
import { Invitation } from '../entities.js';
import { fire, invitationMachine, isLive } from '../rules.js';
import { LockMode } from '@mikro-orm/core';

export const expireInvitation = defineAction({
  name: 'expire_invitation',
  summary: 'Timer: marks an invitation `expired` once its expiry has passed (a reinvite that extended it makes the old timer a no-op). Run by the system only.',
  roles: [],
  access: { ids: { id: 'invitation' }, owner: 'tenant' },
  worker: 'system',
  internal: true,
  input: z.strictObject({ id: Id, at: z.number().int().nonnegative() }),
  example: { id: 1, at: 1_800_000_000_000 },
  async handler(input, ctx) {
    const inv = await ctx.em.findOne(Invitation, { id: input.id, tenantId: ctx.tenantId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!inv) return { expired: false, reason: 'the invitation was deleted' };
    if (!isLive(inv.status)) return { expired: false, reason: `the invitation is ${inv.status}` };
    if (inv.expiresAt.getTime() > ctx.now().getTime()) return { expired: false, reason: 'a reinvite extended it', expiresAt: inv.expiresAt };
    fire(ctx, invitationMachine, inv, 'expired', { reason: 'the invitation lifetime passed' });
    if (inv.invitedBy) ctx.notify({ userIds: [inv.invitedBy] }, { type: 'invitation.expired', invitation: { id: inv.id, email: inv.email, status: inv.status } });
    return { expired: true, id: inv.id };
  },
});
