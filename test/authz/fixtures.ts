import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { tokenHash } from '../../src/domains/accounts/passwords.js';

/**
 * Rows for the authorization matrix, one fresh row per cell, written straight
 * into the test database: one factory per kind of id an action's `access.ids`
 * names. Each row belongs to `tenantId` and to `ownerId` in the way its kind
 * knows ownership (a task's submitter, an item's creator and the user who has
 * taken it, an invitation's inviter), and carries a marker naming its tenant so
 * a leak shows in any response or websocket message.
 *
 * A new kind of id needs a factory here; the matrix fails, naming the kind, until it has one.
 */
export interface FixtureScope {
  db: pg.Pool;
  tenantId: number;
  tenantSlug: string;
  ownerId: number;
}

export const marker = (tenantSlug: string) => `LEAKMARK-${tenantSlug}-`;

let serial = 0;
const mark = (s: FixtureScope) => `${marker(s.tenantSlug)}${++serial}`;

async function one(db: pg.Pool, text: string, params: unknown[]): Promise<number> {
  const { rows } = await db.query<{ id: number }>(text, params);
  return Number(rows[0]!.id);
}

const customer = (s: FixtureScope) => one(s.db, 'insert into customer (tenant_id, name, created_by) values ($1, $2, $3) returning id', [s.tenantId, `Customer ${mark(s)}`, s.ownerId]);

/** An item being worked by its owner (taken, in its working status), created by the owner. */
function item(table: 'document' | 'transfer' | 'inquiry'): (s: FixtureScope) => Promise<number> {
  return async (s) => {
    const cid = await customer(s);
    const [column, value, status] =
      table === 'document' ? ['content', `Scan ${mark(s)}`, 'in_review'] : table === 'transfer' ? ['amount_cents', 12_345, 'in_review'] : ['problem', `Problem ${mark(s)}`, 'in_progress'];
    return one(s.db, `insert into ${table} (tenant_id, customer_id, ${column}, level, status, taken_by, created_by) values ($1, $2, $3, 1, $4, $5, $5) returning id`, [s.tenantId, cid, value, status, s.ownerId]);
  };
}

/** A task the owner submitted, still queued (it has no job: nothing runs it). */
const task = (s: FixtureScope) => one(s.db, `insert into task (tenant_id, actor_id, action, queue, input, status) values ($1, $2, 'get_customer', 'admin', $3, 'queued') returning id`, [s.tenantId, s.ownerId, JSON.stringify({ id: 1, note: mark(s) })]);

/** A live invitation the owner sent, with its inactive user. */
async function invitation(s: FixtureScope): Promise<number> {
  const email = `${mark(s).toLowerCase()}@invited.test`;
  const userId = await one(s.db, `insert into app_user (tenant_id, email, role, level, status) values ($1, $2, 'service', 1, 'invited') returning id`, [s.tenantId, email]);
  return one(
    s.db,
    `insert into invitation (tenant_id, user_id, email, role, level, status, invited_by, expires_at, sent_count) values ($1, $2, $3, 'service', 1, 'invited', $4, now() + interval '1 day', 1) returning id`,
    [s.tenantId, userId, email, s.ownerId],
  );
}

export const FIXTURES: Record<string, (s: FixtureScope) => Promise<number>> = {
  customer,
  document: item('document'),
  transfer: item('transfer'),
  inquiry: item('inquiry'),
  task,
  invitation,
};

/** A fresh session for a user, made the way login makes one (only the hash is stored). */
export async function session(db: pg.Pool, tenantId: number, userId: number): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db.query(`insert into session (tenant_id, user_id, token_hash, expires_at) values ($1, $2, $3, now() + interval '1 hour')`, [tenantId, userId, tokenHash(token)]);
  return token;
}
