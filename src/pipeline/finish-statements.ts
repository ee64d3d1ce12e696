import type { EntityManager } from '@mikro-orm/postgresql';
import type { ErrorBody } from '../core/errors.js';
import { sql } from '../infra/db.js';
import type { FeedMessage } from '../infra/feed-bus.js';
import type { Call, Statement } from '../infra/quick-transaction.js';
import { prepared } from './prepared.js';

export type TaskStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
const FINAL_TASK_STATUSES: readonly TaskStatus[] = ['succeeded', 'failed', 'cancelled'];
export const isFinalTask = (s: string): boolean => (FINAL_TASK_STATUSES as readonly string[]).includes(s);

/** How a task ended: its result, or the error it failed with. */
export interface TaskOutcome {
  result?: unknown;
  error?: ErrorBody;
}

/** The websocket message for a task: `seq` is filled in by the database when it is stored. */
export function resultBody(task: { id: number; action: string }, status: TaskStatus, outcome: TaskOutcome) {
  return {
    type: 'result',
    task: { id: task.id, action: task.action, status, ...(outcome.error ? { error: outcome.error } : { result: outcome.result ?? null }) },
  };
}

/*
 * Seq allocation: the per-user counter row is locked by the upsert until the
 * transaction commits, so one user's entries commit in seq order and a reader
 * that sees seq N also sees every seq below it. Resume relies on that.
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

const finishSql = (counted: boolean) => {
  // A worker finishing the attempt it runs counts it here: the task row is then written once per run, not twice.
  const attempt = counted ? ', attempts = attempts + 1, started_at = coalesce(started_at, now())' : '';
  return {
    system: { name: counted ? 'bureau_finish_system_counted' : 'bureau_finish_system', text: `update task set status = $1, result = $2::jsonb, error = $3::jsonb, finished_at = now()${attempt} where id = $4` },
    user: {
      name: counted ? 'bureau_finish_user_counted' : 'bureau_finish_user',
      text: `with c as (
         insert into feed_cursor (user_id, last_seq) values ($1, 1)
         on conflict (user_id) do update set last_seq = feed_cursor.last_seq + 1
         returning last_seq
       ), t as (
         update task set status = $2, result = $3::jsonb, error = $4::jsonb, finished_at = now()${attempt} where id = $5
       )
       insert into feed_entry (user_id, seq, tenant_id, task_id, body)
       select $1, c.last_seq, $6, $5, jsonb_set($7::jsonb, '{seq}', to_jsonb(c.last_seq)) from c
       returning seq, body`,
    },
  } satisfies Record<string, Statement>;
};
const FINISH = { counted: finishSql(true), plain: finishSql(false) };

/** The statements a worker's quick transaction may end with (prepared together on each connection). */
export const FINISH_STATEMENTS: readonly Statement[] = [FINISH.counted.system, FINISH.counted.user];

/**
 * The statement that stores a task's final status and result and appends the
 * owner's feed entry (one statement), and how to read the feed message from its
 * rows. A worker sends it together with its COMMIT.
 */
export function finishStatement(
  task: { id: number; action: string; tenant_id: number; actor_id: number | null },
  status: TaskStatus,
  outcome: TaskOutcome,
  opts: { countAttempt?: boolean } = {},
): { sql: Call; message: (rows: unknown[]) => FeedMessage | null } {
  const body = resultBody(task, status, outcome);
  const result = outcome.result === undefined ? null : JSON.stringify(outcome.result);
  const error = outcome.error ? JSON.stringify(outcome.error) : null;
  const statements = opts.countAttempt ? FINISH.counted : FINISH.plain;
  if (task.actor_id === null) return { sql: { statement: statements.system, values: [status, result, error, task.id] }, message: () => null };
  const userId = task.actor_id;
  return {
    sql: { statement: statements.user, values: [userId, status, result, error, task.id, task.tenant_id, JSON.stringify(body)] },
    message: (rows) => {
      const row = rows[0] as { seq: number; body: Record<string, unknown> };
      return { userId, seq: row.seq, taskId: task.id, body: row.body };
    },
  };
}

/**
 * `finishStatement` without the attempt count, as a named prepared statement on
 * `em`'s transaction (cancel and failure paths; the counted ones belong to the
 * worker's quick transaction, which PREPAREs them itself under their names).
 */
export async function finishTask(em: EntityManager, task: Parameters<typeof finishStatement>[0], status: TaskStatus, outcome: TaskOutcome): Promise<FeedMessage | null> {
  const { sql: call, message } = finishStatement(task, status, outcome);
  return message(await prepared(em, call.statement.name, call.statement.text, call.values));
}

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
