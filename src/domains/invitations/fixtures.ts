import type { FixtureScope } from '../../core/define-domain.js';

/** Authorization-matrix row: a live invitation the owner sent, with its inactive user (a role every tenant has). */
export async function invitationFixture(s: FixtureScope): Promise<number> {
  const email = `${s.mark.toLowerCase()}@invited.test`;
  const [user] = await s.query<{ id: number }>(`insert into app_user (tenant_id, email, role, level, status) values ($1, $2, 'admin', 1, 'invited') returning id`, [s.tenantId, email]);
  const [inv] = await s.query<{ id: number }>(
    `insert into invitation (tenant_id, user_id, email, role, level, status, invited_by, expires_at, sent_count) values ($1, $2, $3, 'admin', 1, 'invited', $4, now() + interval '1 day', 1) returning id`,
    [s.tenantId, user!.id, email, s.ownerId],
  );
  return Number(inv!.id);
}
