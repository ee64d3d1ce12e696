import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from '../infra/db.js';
import { prepared } from './prepared.js';

/*
 * A transaction appends feed entries unnumbered (a negative `seq`, see
 * migration 20261206160000) and locks nothing of the user's; after COMMIT the
 * process hands their users to `FeedNumbering` (feed-numbering.ts), which
 * numbers and publishes them. Readers only ever see numbered entries
 * (`seq > after`, after >= 0), each user's in seq order with no hole: resume
 * relies on that. The statements that finish a task (`finish-statements.ts`)
 * append their entry the same way.
 */
const APPEND = `
  insert into feed_entry (user_id, seq, tenant_id, task_id, body)
  select e.user_id, -nextval('feed_pending_seq'), $4, e.task_id, e.body
  from unnest($1::int[], $2::bigint[], $3::jsonb[]) with ordinality as e(user_id, task_id, body, n)
  order by e.n`;

/** An entry to append: one user's notice (or result) of a task. */
export interface FeedEntry {
  userId: number;
  taskId: number | null;
  body: Record<string, unknown>;
}

/**
 * Appends entries unnumbered, in one statement, in the given order (a user's
 * entries are numbered in that order). Returns the users to number after COMMIT.
 */
export async function appendFeed(em: EntityManager, tenantId: number, entries: FeedEntry[]): Promise<number[]> {
  if (!entries.length) return [];
  await prepared(em, 'bureau_feed_append_pending', APPEND, [entries.map((e) => e.userId), entries.map((e) => e.taskId), entries.map((e) => JSON.stringify(e.body)), tenantId]);
  return [...new Set(entries.map((e) => e.userId))];
}

/** Numbered feed entries after `after`, in order, for resume. */
export async function readFeed(em: EntityManager, userId: number, after: number, limit = 500): Promise<{ seq: number; body: Record<string, unknown> }[]> {
  return sql(em, 'select seq, body from feed_entry where user_id = ? and seq > ? order by seq limit ?', [userId, after, limit]);
}
