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

/**
 * APPEND for distinct users at once; counters are upserted in user order (the
 * lock order every writer uses). `$5`, when not null and not among them, is the
 * task's owner: its counter is locked in the same ordered pass without taking a
 * seq (`+ 0`), because the statement that finishes the task takes its seq last,
 * at COMMIT. Locked only then, it broke the order: a create notifying the
 * reviewers (their counters, then the admin's at COMMIT) and a review notifying
 * the admin (the admin's, then the reviewer's) deadlocked, and under load the
 * same review lost deadlock after deadlock, its retries backing off past a
 * minute (the no-Redis storm's "accepted tasks still unfinished after 90 s").
 */
const APPEND_MANY = `
  with e as (
    select * from unnest($1::bigint[], $2::bigint[], $3::jsonb[]) as e(user_id, task_id, body)
  ), l as (
    select user_id, 1 as n from e
    union all select $5::bigint, 0 where $5::bigint is not null and not ($5::bigint = any($1::bigint[]))
  ), c as (
    insert into feed_cursor (user_id, last_seq) select user_id, n from l order by user_id
    on conflict (user_id) do update set last_seq = feed_cursor.last_seq + excluded.last_seq
    returning user_id, last_seq
  )
  insert into feed_entry (user_id, seq, tenant_id, task_id, body)
  select e.user_id, c.last_seq, $4, e.task_id, jsonb_set(e.body, '{seq}', to_jsonb(c.last_seq)) from e join c on c.user_id = e.user_id
  returning user_id, seq, body`;

/** Locks a user's counter without taking a seq (the owner's, between other users' appends, in user order). */
const LOCK_CURSOR = `insert into feed_cursor (user_id, last_seq) values ($1, 0) on conflict (user_id) do update set last_seq = feed_cursor.last_seq`;

/**
 * Appends one feed entry per user (notices); users sorted so two transactions
 * never lock counters in opposite orders. `ownerId`: the submitter of the task
 * whose transaction this is (its result entry is appended at COMMIT), whose
 * counter is locked here in that same order.
 */
export async function appendFeed(em: EntityManager, tenantId: number, entries: { userId: number; taskId: number | null; body: Record<string, unknown> }[], ownerId: number | null = null): Promise<FeedMessage[]> {
  const sorted = [...entries].sort((a, b) => a.userId - b.userId);
  // One entry per user (the usual notice fan-out): one statement for all of them (and the owner's lock), so the
  // counters it locks are held for one round trip less per user until commit.
  if ((sorted.length > 1 || ownerId !== null) && new Set(sorted.map((e) => e.userId)).size === sorted.length) {
    const rows = await prepared<{ user_id: number; seq: number; body: Record<string, unknown> }>(em, 'bureau_feed_append_many_owner', APPEND_MANY, [
      sorted.map((e) => e.userId),
      sorted.map((e) => e.taskId),
      sorted.map((e) => JSON.stringify(e.body)),
      tenantId,
      ownerId,
    ]);
    const byUser = new Map(rows.map((r) => [Number(r.user_id), r]));
    return sorted.map((e) => {
      const row = byUser.get(e.userId)!;
      return { userId: e.userId, seq: row.seq, taskId: e.taskId, body: row.body };
    });
  }
  const out: FeedMessage[] = [];
  let ownerLocked = ownerId === null || sorted.some((e) => e.userId === ownerId);
  for (const e of sorted) {
    if (!ownerLocked && e.userId > ownerId!) {
      await prepared(em, 'bureau_feed_lock_cursor', LOCK_CURSOR, [ownerId]);
      ownerLocked = true;
    }
    const [row] = await prepared<{ seq: number; body: Record<string, unknown> }>(em, 'bureau_feed_append', APPEND, [e.userId, tenantId, e.taskId, JSON.stringify(e.body)]);
    out.push({ userId: e.userId, seq: row!.seq, taskId: e.taskId, body: row!.body });
  }
  if (!ownerLocked) await prepared(em, 'bureau_feed_lock_cursor', LOCK_CURSOR, [ownerId]);
  return out;
}

/** Feed entries after `after`, in order, for resume. */
export async function readFeed(em: EntityManager, userId: number, after: number, limit = 500): Promise<{ seq: number; body: Record<string, unknown> }[]> {
  return sql(em, 'select seq, body from feed_entry where user_id = ? and seq > ? order by seq limit ?', [userId, after, limit]);
}
