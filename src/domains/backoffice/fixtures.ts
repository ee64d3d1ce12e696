import type { FixtureScope } from '../../core/define-domain.js';

/** Authorization-matrix rows of the back office (see `IdKindSpec.fixture`). */
async function one(s: FixtureScope, text: string, params: unknown[]): Promise<number> {
  const [row] = await s.query<{ id: number }>(text, params);
  return Number(row!.id);
}

export const customerFixture = (s: FixtureScope) => one(s, 'insert into customer (tenant_id, name, created_by) values ($1, $2, $3) returning id', [s.tenantId, `Customer ${s.mark}`, s.ownerId]);

/** An item being worked by its owner (taken, in its working status), created by the owner. */
export function itemFixture(table: 'document' | 'transfer' | 'inquiry'): (s: FixtureScope) => Promise<number> {
  return async (s) => {
    const cid = await customerFixture(s);
    const [column, value, status] =
      table === 'document' ? ['content', `Scan ${s.mark}`, 'in_review'] : table === 'transfer' ? ['amount_cents', 12_345, 'in_review'] : ['problem', `Problem ${s.mark}`, 'in_progress'];
    return one(s, `insert into ${table} (tenant_id, customer_id, ${column}, level, status, taken_by, created_by) values ($1, $2, $3, 1, $4, $5, $5) returning id`, [s.tenantId, cid, value, status, s.ownerId]);
  };
}
