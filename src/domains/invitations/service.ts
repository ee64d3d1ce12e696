import type { ActionContext } from '../../core/context.js';
import { AppError } from '../../core/errors.js';
import { actorId } from '../../core/roles.js';
import { accountsFor } from '../accounts/service.js';
import { enrolInvited } from '../guests/service.js';
import { Invitation } from './entities.js';
import { assertMayGrant, fire, invitationMachine, invitationView, scheduleSendAndExpiry } from './rules.js';

/** What an invitation is for: a new user of the caller's tenant. */
export interface InviteInput {
  email: string;
  role: string;
  level?: number | undefined;
  first_name: string;
  last_name: string;
  /** Guests and hosts: their coordinator. */
  coordinator_id?: number | undefined;
}

/**
 * The invitations domain's service: creates an inactive user of the caller's
 * tenant and an invitation pointing at it, and queues the email and the
 * expiry, in the caller's task transaction. `invite_user` and other domains'
 * invite actions (a coordinator's `invite_guest`) go through it.
 */
export async function invite(ctx: ActionContext, input: InviteInput) {
  const level = input.level ?? 1;
  await assertMayGrant(ctx, input.role, level);
  const email = input.email.toLowerCase();
  const [existing] = await ctx.sql<{ id: number; status: string; invitation_id: number | null }>(
    `select u.id, u.status,
            (select i.id from invitation i where i.user_id = u.id and i.status in ('not invited', 'invited', 'clicked') limit 1) as invitation_id
       from app_user u where u.tenant_id = ? and lower(u.email) = ?`,
    [ctx.tenantId, email],
  );
  if (existing?.invitation_id) throw new AppError('CONFLICT', `${email} already has a live invitation; reinvite it to send the email again.`, { field: 'email', invitationId: existing.invitation_id });
  if (existing) throw new AppError('CONFLICT', `${email} is already a user of this tenant.`, { field: 'email', userId: existing.id });

  const userId = await accountsFor(ctx.config).createInvited(ctx, { tenantId: ctx.tenantId, email, role: input.role, level, firstName: input.first_name, lastName: input.last_name });
  const inv = ctx.em.create(Invitation, {
    tenantId: ctx.tenantId,
    userId,
    email,
    role: input.role,
    level,
    invitedBy: actorId(ctx.actor),
    expiresAt: new Date(ctx.now().getTime() + ctx.config.invitationTtlMs),
  });
  await enrolInvited(ctx, { userId, role: input.role, coordinatorId: input.coordinator_id });
  await ctx.em.flush();
  fire(ctx, invitationMachine, inv, 'created', { data: { email, role: input.role, level } });
  scheduleSendAndExpiry(ctx, inv);
  return invitationView(inv);
}
