/**
 * The worker's half of a peer, shared by all of them: `finish` runs inside the
 * worker's transaction (the caller's BEGIN ... COMMIT) and applies a task's
 * effect at most once, however often its job is delivered.
 */
import type pg from 'pg';
import type { PeerTables } from './schema.js';

/** What a job carries: the task row's id (the row itself is the truth; old jobs are re-read, never trusted). */
export interface TaskRef {
  id: number | string;
}

/** A new feed entry, for the web: the body rides along when it fits in a NOTIFY payload. */
export interface FeedNotice {
  user: number;
  seq: number;
  body?: FeedBody;
}

export interface FeedBody {
  id: number;
  status: 'succeeded';
  result: { id: number; name: string };
}

// The statement MikroORM sends for create_customer's `em.create(Customer) + flush`, as the baseline worker sends it.
const INSERT_CUSTOMER = 'insert into "customer" ("tenant_id", "name", "created_by", "created_at") values ($1, $2, $3, $4) returning "id"';

/** NOTIFY payloads are limited to 8000 bytes; a bigger body is left for the web to read from the feed table. */
const MAX_NOTIFY_BODY = 7000;

/**
 * Locks the task row, returns null when it already succeeded (a redelivered
 * job), else inserts the customer, stores the result, appends the owner's feed
 * entry (its cursor row stays locked until COMMIT) and, with `notify`, queues a
 * NOTIFY on the peer's channel: PostgreSQL delivers it at COMMIT, never before.
 */
export async function finish(client: pg.ClientBase, t: PeerTables, task: TaskRef, opts: { notify: boolean }): Promise<FeedNotice | null> {
  const { rows } = await client.query<{ tenant_id: number; user_id: number; name: string; status: string }>(
    `select tenant_id, user_id, name, status from ${t.task} where id = $1 for update`,
    [task.id],
  );
  const row = rows[0];
  if (!row) throw new Error(`task ${task.id} does not exist`);
  if (row.status === 'succeeded') return null;
  const inserted = await client.query<{ id: number }>(INSERT_CUSTOMER, [row.tenant_id, row.name, row.user_id, new Date()]);
  const body: FeedBody = { id: Number(task.id), status: 'succeeded', result: { id: inserted.rows[0]!.id, name: row.name } };
  const json = JSON.stringify(body);
  const appended = await client.query<{ seq: string }>(
    `with t as (
       update ${t.task} set status = 'succeeded', result = $2::jsonb -> 'result', finished_at = now() where id = $1 returning user_id
     ), c as (
       insert into ${t.cursor} (user_id, last_seq) select user_id, 1 from t
       on conflict (user_id) do update set last_seq = ${t.cursor}.last_seq + 1
       returning user_id, last_seq
     ), f as (
       insert into ${t.feed} (user_id, seq, task_id, body) select user_id, last_seq, $1, $2::jsonb from c returning user_id, seq
     )
     select seq, case when $3::text is null then null
                 else pg_notify($3::text, json_build_object('user', user_id, 'seq', seq, 'body', case when $4 then $2::json end)::text) end
     from f`,
    [task.id, json, opts.notify ? t.channel : null, Buffer.byteLength(json) <= MAX_NOTIFY_BODY],
  );
  return { user: row.user_id, seq: Number(appended.rows[0]!.seq), body };
}
