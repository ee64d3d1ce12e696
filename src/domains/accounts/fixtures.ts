import type { FixtureScope } from '../../core/define-domain.js';

/** Authorization-matrix row: a fresh active user of the tenant, with the owner's role (set_user_status disables it). */
export async function userFixture(s: FixtureScope): Promise<number> {
  const [row] = await s.query<{ id: number }>(
    `insert into app_user (tenant_id, email, role, level, status, first_name, last_name)
     select $1, $2, role, 1, 'active', 'Fixture', $3 from app_user where id = $4 returning id`,
    [s.tenantId, `${s.mark.toLowerCase()}@fixture.test`, s.mark, s.ownerId],
  );
  return Number(row!.id);
}
