import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from '../infra/db.js';
import type { FeedMessage } from '../infra/feed-bus.js';
import { prepared } from './prepared.js';

/*
 * Seq allocation: the per-user counter row is locked by the upsert until the
 * transaction commits, so one user's entries commit in seq order and a reader
 * that sees seq N also sees every seq below it. Resume relies on that. The
 * statements that finish a task (`finish-statements.ts`) allocate the same way.
 */
const APPEND = `
  with c as (
    insert into feed_cursor (user_id, last_seq) values ($1, 1)
    on conflict (user_id) do update set last_seq = feed_cursor.last_seq + 1
    returning last_seq
  )
  insert into feed_entry (user_id, seq, tenant_id, task_id, body)
  select $1, c.last_seq, $2, $3, jsonb_set($4::jsonb, '{seq}', to_jsonb(c.last_seq)) from c
  returning seq, body`;

/** APPEND for several distinct users at once; counters are upserted in user order (the lock order every writer uses). */
const APPEND_MANY = `
  with e as (
    select * from unnest($1::bigint[], $2::bigint[], $3::jsonb[]) as e(user_id, task_id, body)
  ), c as (
    insert into feed_cursor (user_id, last_seq) select user_id, 1 from e order by user_id
    on conflict (user_id) do update set last_seq = feed_cursor.last_seq + 1
    returning user_id, last_seq
  )
  insert into feed_entry (user_id, seq, tenant_id, task_id, body)
  select e.user_id, c.last_seq, $4, e.task_id, jsonb_set(e.body, '{seq}', to_jsonb(c.last_seq)) from e join c on c.user_id = e.user_id
  returning user_id, seq, body`;

/** Appends one feed entry per user (notices); users sorted so two transactions never lock counters in opposite orders. */
export async function appendFeed(em: EntityManager, tenantId: number, entries: { userId: number; taskId: number | null; body: Record<string, unknown> }[]): Promise<FeedMessage[]> {
  const sorted = [...entries].sort((a, b) => a.userId - b.userId);
  // One entry per user (the usual notice fan-out): one statement for all of them, so the counters it locks are held for one round trip less per user until commit.
  if (sorted.length > 1 && new Set(sorted.map((e) => e.userId)).size === sorted.length) {
    const rows = await prepared<{ user_id: number; seq: number; body: Record<string, unknown> }>(em, 'bureau_feed_append_many', APPEND_MANY, [
      sorted.map((e) => e.userId),
      sorted.map((e) => e.taskId),
      sorted.map((e) => JSON.stringify(e.body)),
      tenantId,
    ]);
    const byUser = new Map(rows.map((r) => [r.user_id, r]));
    return sorted.map((e) => {
      const row = byUser.get(e.userId)!;
      return { userId: e.userId, seq: row.seq, taskId: e.taskId, body: row.body };
    });
  }
  const out: FeedMessage[] = [];
  for (const e of sorted) {
    const [row] = await prepared<{ seq: number; body: Record<string, unknown> }>(em, 'bureau_feed_append', APPEND, [e.userId, tenantId, e.taskId, JSON.stringify(e.body)]);
    out.push({ userId: e.userId, seq: row!.seq, taskId: e.taskId, body: row!.body });
  }
  return out;
}

/** Feed entries after `after`, in order, for resume. */
export async function readFeed(em: EntityManager, userId: number, after: number, limit = 500): Promise<{ seq: number; body: Record<string, unknown> }[]> {
  return sql(em, 'select seq, body from feed_entry where user_id = ? and seq > ? order by seq limit ?', [userId, after, limit]);
}
