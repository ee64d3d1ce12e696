import { LockMode } from '@mikro-orm/core';
import { z } from 'zod';
import type { ActionContext } from '../../core/context.js';
import { AppError } from '../../core/errors.js';
import type { Role } from '../../core/roles.js';
import { Id } from '../backoffice/schemas.js';
import { accountsFor } from '../accounts/service.js';
import { fire } from '../../core/state-machine.js';
import { Invitation, type IInvitation } from './entities.js';
import { invitationMachine, LIVE_STATUSES, type InvitationStatus } from './machine.js';

/** What the admin actions on one invitation share: who, the id rule, the queue, `{id}`. */
export const ON_ONE_INVITATION = {
  roles: ['admin'] as const,
  access: { ids: { id: 'invitation' }, owner: 'tenant' as const },
  worker: 'admin' as const,
  input: z.strictObject({ id: Id }),
  example: { id: 1 },
};

/**
 * The role must be one the tenant has (the roles of the domains it uses), and
 * the level no higher than the inviter's own. Only a tenant's admins invite.
 */
export async function assertMayGrant(ctx: ActionContext, role: Role, level: number): Promise<void> {
  const actor = ctx.actor;
  const roles = await accountsFor(ctx.config).tenantRoles(ctx, ctx.tenantId);
  if (!roles.includes(role)) {
    const message = `This tenant has no role "${role}"; it has ${roles.join(', ')}.`;
    throw new AppError('VALIDATION_FAILED', message, { issues: [{ path: 'role', message, code: 'invalid_value' }], roles });
  }
  if (actor.kind !== 'user') return;
  if (level > actor.level) throw new AppError('FORBIDDEN', `You may not grant level ${level}, above your own level ${actor.level}.`, { field: 'level' });
}

/** An invitation of the caller's tenant (row-locked for the transaction when `lock`), or 404. */
export async function loadInvitation(ctx: ActionContext, id: number, lock = true): Promise<IInvitation> {
  const inv = await ctx.em.findOne(Invitation, { id, tenantId: ctx.tenantId }, lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {});
  if (!inv) throw new AppError('NOT_FOUND', `No invitation ${id}.`);
  return inv;
}

export const isLive = (status: InvitationStatus) => LIVE_STATUSES.includes(status);

/**
 * Queues the email (a job on the `mail` queue) and the expiry timer (a delayed
 * job on the `system` queue at `expiresAt`). Both run only if this transaction
 * commits; the timer's key makes a second one for the same expiry a no-op.
 */
export function scheduleSendAndExpiry(ctx: ActionContext, inv: IInvitation): void {
  ctx.enqueue('send_invitation', { id: inv.id });
  const at = inv.expiresAt.getTime();
  ctx.enqueue('expire_invitation', { id: inv.id, at }, { delayMs: Math.max(0, at - ctx.now().getTime()), key: `invitation-expiry:${inv.id}:${at}` });
}

export function invitationView(inv: IInvitation) {
  return {
    id: inv.id,
    userId: inv.userId ?? null,
    email: inv.email,
    role: inv.role,
    level: inv.level,
    status: inv.status,
    invitedBy: inv.invitedBy ?? null,
    expiresAt: inv.expiresAt,
    sentCount: inv.sentCount,
    lastSentAt: inv.lastSentAt ?? null,
    messageId: inv.messageId ?? null,
    openCount: inv.openCount,
    firstOpenedAt: inv.firstOpenedAt ?? null,
    lastOpenedAt: inv.lastOpenedAt ?? null,
    clickCount: inv.clickCount,
    firstClickedAt: inv.firstClickedAt ?? null,
    lastClickedAt: inv.lastClickedAt ?? null,
    registeredAt: inv.registeredAt ?? null,
    createdAt: inv.createdAt,
  };
}

export { fire, invitationMachine };
