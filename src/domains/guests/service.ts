import type { ActionContext } from '../../core/context.js';
import { AppError } from '../../core/errors.js';
import { currentDashboard } from './definition.js';
import { instantiate } from './rules.js';

/** The roles that go through an onboarding dashboard. */
export const ONBOARDING_ROLES: readonly string[] = ['guest', 'host'];

function refuse(message: string): never {
  throw new AppError('VALIDATION_FAILED', message, { issues: [{ path: 'coordinator_id', message, code: 'invalid_value' }] });
}

/**
 * What the invitations domain calls when it creates a user (invite_user), in
 * the same transaction: a guest or host gets their profile, their one
 * coordinator and the rows of their provider's current dashboard for their
 * role (the version they keep). A coordinator who invites becomes the
 * coordinator; an admin names one (`coordinator_id`, a coordinator of the
 * tenant). Any other role takes no coordinator and gets nothing here.
 */
export async function enrolInvited(ctx: ActionContext, user: { userId: number; role: string; coordinatorId?: number | undefined }): Promise<void> {
  if (!ONBOARDING_ROLES.includes(user.role)) {
    if (user.coordinatorId !== undefined) refuse(`Only guests and hosts have a coordinator, not a ${user.role}.`);
    return;
  }
  const actor = ctx.actor;
  let coordinatorId = user.coordinatorId;
  if (actor.kind === 'user' && actor.role === 'coordinator') {
    if (coordinatorId !== undefined && coordinatorId !== actor.id) refuse('A coordinator invites guests and hosts for themself.');
    coordinatorId = actor.id;
  }
  if (coordinatorId === undefined) refuse(`A ${user.role} needs a coordinator: coordinator_id.`);
  const [coordinator] = await ctx.sql<{ id: number }>(`select id from app_user where id = ? and tenant_id = ? and role = 'coordinator'`, [coordinatorId, ctx.tenantId]);
  if (!coordinator) refuse(`No coordinator ${coordinatorId} in this provider.`);
  const dashboard = await currentDashboard(ctx, ctx.tenantId, user.role);
  if (!dashboard) throw new AppError('CONFLICT', `This provider has published no ${user.role} dashboard yet (publish_guest_dashboard).`);
  await ctx.sql('insert into guest_profile (user_id, tenant_id, role, coordinator_id, dashboard_id) values (?, ?, ?, ?, ?)', [user.userId, ctx.tenantId, user.role, coordinatorId, dashboard.id]);
  await instantiate(ctx, user.userId, dashboard.id);
}
