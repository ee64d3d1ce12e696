import type { FixtureScope } from '../../core/define-domain.js';

/**
 * Authorization-matrix rows of the guests domain (see `IdKindSpec.fixture`).
 * A person's rows are "owned" by the person (and seen by their coordinator):
 * for a guest or host owner the row is theirs; for anyone else a fresh guest
 * is made (named with the mark), the owner's when the owner is a coordinator
 * (else a fresh coordinator's).
 */
async function personOf(s: FixtureScope): Promise<number> {
  const [owner] = await s.query<{ role: string }>('select role from app_user where id = $1', [s.ownerId]);
  if (owner?.role === 'guest' || owner?.role === 'host') return s.ownerId;
  // A tenant of another domain (the matrix's forbidden cells) may not have the guest role yet.
  await s.query(`insert into tenant_role (tenant_id, role, domain) values ($1, 'guest', 'guests') on conflict do nothing`, [s.tenantId]);
  const [user] = await s.query<{ id: number }>(`insert into app_user (tenant_id, email, role, level, status, first_name, last_name) values ($1, $2, 'guest', 1, 'active', $3, 'Fixture') returning id`, [
    s.tenantId,
    `${s.mark.toLowerCase()}@guest.test`,
    s.mark,
  ]);
  return Number(user!.id);
}

/** The owner when they are a coordinator, else a fresh coordinator (every guest has exactly one). */
async function coordinatorOf(s: FixtureScope): Promise<number> {
  const [owner] = await s.query<{ role: string }>('select role from app_user where id = $1', [s.ownerId]);
  if (owner?.role === 'coordinator') return s.ownerId;
  await s.query(`insert into tenant_role (tenant_id, role, domain) values ($1, 'coordinator', 'guests') on conflict do nothing`, [s.tenantId]);
  const [user] = await s.query<{ id: number }>(`insert into app_user (tenant_id, email, role, level, status, first_name, last_name) values ($1, $2, 'coordinator', 1, 'active', $3, 'Coordinator') returning id`, [
    s.tenantId,
    `${s.mark.toLowerCase()}@coordinator.test`,
    s.mark,
  ]);
  return Number(user!.id);
}

/**
 * A fresh dashboard version of its own (a negative version, never the
 * provider's current one) with one group of one form task asking one optional
 * text question keyed `full_name`, and the person's rows in it at `Start`.
 * It becomes the person's current version (a task is only theirs to act on
 * while it is on their current version).
 */
async function board(s: FixtureScope, userId: number): Promise<{ dashboardId: number; taskId: number }> {
  const serial = Number(s.mark.split('-').at(-1));
  const [dash] = await s.query<{ id: number }>(`insert into onboarding_dashboard (tenant_id, role, version, title) values ($1, 'guest', $2, $3) returning id`, [s.tenantId, -serial, `Dashboard ${s.mark}`]);
  const [gdef] = await s.query<{ id: number }>(`insert into task_group_definition (tenant_id, dashboard_id, position, key, title) values ($1, $2, 1, 'fixture', $3) returning id`, [s.tenantId, dash!.id, `Group ${s.mark}`]);
  const [tdef] = await s.query<{ id: number }>(
    `insert into guest_task_definition (tenant_id, group_id, position, key, title, description, kind) values ($1, $2, 1, 'fixture', $3, $3, 'form') returning id`,
    [s.tenantId, gdef!.id, `Task ${s.mark}`],
  );
  const [q] = await s.query<{ id: number }>(`insert into question (tenant_id, key, text, response_type, required) values ($1, 'full_name', $2, 'text', false) returning id`, [s.tenantId, `Name ${s.mark}?`]);
  await s.query('insert into task_question (task_id, question_id, position) values ($1, $2, 1)', [tdef!.id, q!.id]);
  await s.query(`insert into guest_profile (user_id, tenant_id, role, coordinator_id, dashboard_id) values ($1, $2, 'guest', $3, $4) on conflict (user_id) do update set dashboard_id = excluded.dashboard_id`, [
    userId,
    s.tenantId,
    await coordinatorOf(s),
    dash!.id,
  ]);
  const [g] = await s.query<{ id: number }>(`insert into task_group (tenant_id, user_id, definition_id, status) values ($1, $2, $3, 'Start') returning id`, [s.tenantId, userId, gdef!.id]);
  const [t] = await s.query<{ id: number }>(`insert into guest_task (tenant_id, user_id, group_id, definition_id, status) values ($1, $2, $3, $4, 'Start') returning id`, [s.tenantId, userId, g!.id, tdef!.id]);
  return { dashboardId: dash!.id, taskId: Number(t!.id) };
}

/** A guest (or host) id: the owner when they are one, else a fresh guest with a fixture dashboard. */
export async function guestFixture(s: FixtureScope): Promise<number> {
  const userId = await personOf(s);
  const [has] = await s.query('select 1 from guest_profile where user_id = $1', [userId]);
  if (!has) await board(s, userId);
  return userId;
}

/** A person's task at `Start`, in a fixture dashboard of its own. */
export async function guestTaskFixture(s: FixtureScope): Promise<number> {
  return (await board(s, await personOf(s))).taskId;
}
