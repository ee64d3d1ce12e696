import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { AppError } from '../../../core/errors.js';
import { actorId } from '../../../core/roles.js';
import { accountsFor } from '../../accounts/service.js';
import { Id, Level } from '../../backoffice/schemas.js';
import { enrolInvited } from '../../guests/service.js';
import { Invitation } from '../entities.js';
import { assertMayGrant, fire, invitationMachine, invitationView, scheduleSendAndExpiry } from '../rules.js';

const Name = z.string().trim().min(1).max(100);

export const inviteUser = defineAction({
  name: 'invite_user',
  summary:
    'Creates an inactive user of your tenant with that role and level, and an invitation pointing at it; the email goes out on the `mail` queue (status `not invited` until the SMTP server accepts it, then `invited`). 409 when the email is already a user of the tenant or has a live invitation.',
  roles: ['admin'],
  access: { ids: {}, owner: 'tenant' },
  worker: 'admin',
  creates: 'invitation',
  roleFields: ['role'],
  rateLimit: { per: 'tenant', points: (config) => config.inviteRateLimit, windowMs: 3_600_000 },
  input: z.strictObject({
    email: z.email().max(320),
    role: z.string().describe("One of your tenant's roles (those of the domains it uses)."),
    level: Level.optional(),
    first_name: Name,
    last_name: Name,
    coordinator_id: Id.optional().describe('Guests and hosts: their coordinator (a coordinator of the tenant).'),
  }),
  example: { email: 'grace.hopper@example.com', role: 'compliance', level: 1, first_name: 'Grace', last_name: 'Hopper' },
  async handler(input, ctx) {
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
  },
});
