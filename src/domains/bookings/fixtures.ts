import type { FixtureScope } from '../../core/define-domain.js';

/** Authorization-matrix row: a pending booking requested by the owner, a day ahead, at an address of its own. */
export async function bookingFixture(s: FixtureScope): Promise<number> {
  const address = { street: `1 ${s.mark} Road`, city: 'Springfield', state: 'Illinois', country: 'US', postal_code: '62701' };
  const [row] = await s.query<{ id: number }>(
    `insert into booking (tenant_id, requester_id, requester_email, topic, starts_at, ends_at, duration_minutes, address, address_key, status)
     select $1, u.id, u.email, $3, now() + interval '1 day', now() + interval '1 day 1 hour', 60, $4::jsonb, $5, 'pending' from app_user u where u.id = $2
     returning id`,
    [s.tenantId, s.ownerId, `Topic ${s.mark}`, JSON.stringify(address), `fixture|${s.mark.toLowerCase()}`],
  );
  return Number(row!.id);
}
