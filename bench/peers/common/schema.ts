/**
 * The tables every peer keeps, named after its PEER_PREFIX:
 *
 * - `<prefix>_task`: one row per accepted action (status queued -> succeeded, result);
 * - `<prefix>_feed`: each user's results, numbered 1, 2, 3... per user (`seq`);
 * - `<prefix>_feed_cursor`: each user's last seq; the row is locked from the
 *   append until COMMIT, so one user's entries commit in seq order and a
 *   reader that sees seq N sees every seq below it (what makes resume exact).
 *
 * The web process creates them at start-up (`create table if not exists`).
 */
import type pg from 'pg';

export const TASK_STATUSES = ['queued', 'succeeded'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export interface PeerTables {
  task: string;
  feed: string;
  cursor: string;
  /** The LISTEN/NOTIFY channel that carries `{user, seq, body?}` from the worker to the web. */
  channel: string;
}

export function peerTables(prefix: string): PeerTables {
  return { task: `${prefix}_task`, feed: `${prefix}_feed`, cursor: `${prefix}_feed_cursor`, channel: `${prefix}_feed` };
}

export async function ensureSchema(db: pg.Pool | pg.ClientBase, t: PeerTables): Promise<void> {
  await db.query(`
    create table if not exists ${t.task} (
      id bigserial primary key,
      tenant_id int not null,
      user_id int not null,
      name text not null,
      status text not null default 'queued' check (status in (${TASK_STATUSES.map((s) => `'${s}'`).join(', ')})),
      result jsonb,
      created_at timestamptz not null default now(),
      finished_at timestamptz
    );
    create table if not exists ${t.cursor} (
      user_id int primary key,
      last_seq bigint not null
    );
    create table if not exists ${t.feed} (
      user_id int not null,
      seq bigint not null,
      task_id bigint not null,
      body jsonb not null,
      primary key (user_id, seq)
    )`);
}

export async function dropSchema(db: pg.Pool | pg.ClientBase, t: PeerTables): Promise<void> {
  await db.query(`drop table if exists ${t.feed}, ${t.cursor}, ${t.task}`);
}
