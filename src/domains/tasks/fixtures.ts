import type { FixtureScope } from '../../core/define-domain.js';

/** Authorization-matrix row: a task the owner submitted, still queued (it has no job: nothing runs it). */
export async function taskFixture(s: FixtureScope): Promise<number> {
  const [row] = await s.query<{ id: number }>(`insert into task (tenant_id, actor_id, action, queue, input, status) values ($1, $2, 'search_tasks', 'system', $3, 'queued') returning id`, [
    s.tenantId,
    s.ownerId,
    JSON.stringify({ id: 1, note: s.mark }),
  ]);
  return Number(row!.id);
}
