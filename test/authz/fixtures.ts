import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { FixtureScope } from '../../src/core/define-domain.js';
import { tokenHash } from '../../src/domains/accounts/passwords.js';

/**
 * Rows for the authorization matrix come from the manifests: one factory per
 * kind of id an action's `access.ids` names (`idKinds.<kind>.fixture`), each
 * writing one fresh row owned the way its kind knows ownership and carrying a
 * marker naming its tenant, so a leak shows in any response or websocket
 * message. A new kind of id without a fixture fails the matrix, naming it.
 */

export const marker = (tenantSlug: string) => `LEAKMARK-${tenantSlug}-`;

let serial = 0;

/** What a manifest's id-kind fixture gets (`IdKindSpec.fixture`): the test database and the row's owner. */
export function fixtureScope(db: pg.Pool, owner: { id: number; tenantId: number; slug: string }): FixtureScope {
  return {
    async query<T>(text: string, params: unknown[] = []) {
      return (await db.query(text, params)).rows as T[];
    },
    tenantId: owner.tenantId,
    tenantSlug: owner.slug,
    ownerId: owner.id,
    mark: `${marker(owner.slug)}${++serial}`,
  };
}

/** A fresh session for a user, made the way login makes one (only the hash is stored). */
export async function session(db: pg.Pool, tenantId: number, userId: number): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db.query(`insert into session (tenant_id, user_id, token_hash, expires_at) values ($1, $2, $3, now() + interval '1 hour')`, [tenantId, userId, tokenHash(token)]);
  return token;
}
