import type { EntityManager } from '@mikro-orm/postgresql';
import type { ErrorBody } from '../core/errors.js';
import type { Call, Statement } from '../infra/quick-transaction.js';
import { prepared } from './prepared.js';
import { taskMachine, type TaskEvent, type TaskStatus } from '../domains/tasks/machine.js';
import { taskSql } from './task-sql.js';

/** How a task ended: its result, or the error it failed with. */
export interface TaskOutcome {
  result?: unknown;
  error?: ErrorBody;
}

/** The websocket message for a task: `seq` is filled in by the database when the entry is numbered. */
export function resultBody(task: { id: number; action: string }, status: TaskStatus, outcome: TaskOutcome) {
  return {
    type: 'result',
    task: { id: task.id, action: task.action, status, ...(outcome.error ? { error: outcome.error } : { result: outcome.result ?? null }) },
  };
}

/** The events that finish a task, and whether the statement counts the attempt that finishes it. */
const FINISHING = { succeed: true, fail: true, cancel: false } as const satisfies Partial<Record<TaskEvent, boolean>>;
export type FinishEvent = keyof typeof FINISHING;

/**
 * The statements that finish a task for `event`: its status and guard come from
 * the task machine. A worker finishing the attempt it runs counts it here, so the
 * task row is written once per run, not twice. Both return one row when the task
 * moved and none when the guard found it elsewhere. The user statement appends
 * the owner's feed entry when the task moved, unnumbered (numbered after COMMIT,
 * see `feed-entries.ts`), so it locks nothing of the user's. The entry's task carries `finishedAt`
 * (the row's `finished_at`), so a replayed result says when it happened.
 * `finished_at` is `clock_timestamp()`, the instant the statement runs: `now()`
 * would be the start of the worker's transaction, before the action ran.
 */
function finishSql(event: FinishEvent): { system: Statement; user: Statement } {
  const update = (result: string, error: string, id: string) =>
    `${finishingUpdate(event, `${result}::jsonb`, `${error}::jsonb`)} where id = ${id} and ${taskSql[event].from()} returning id, finished_at`;
  return {
    system: { name: `bureau_finish_${event}_system`, text: update('$1', '$2', '$3') },
    user: {
      name: `bureau_finish_${event}_user`,
      text: `with t as (${update('$2', '$3', '$4')})
       insert into feed_entry (user_id, seq, tenant_id, task_id, body)
       select $1, -nextval('feed_pending_seq'), $5, $4, ${withFinishedAt('$6::jsonb', 't.finished_at')}
       from t
       returning user_id`,
    },
  };
}

/** A finishing `update task set ...` up to its `from`/`where`: the status `event` leads to, result, error, when, and the attempt it counts. */
function finishingUpdate(event: FinishEvent, result: string, error: string): string {
  const attempt = FINISHING[event] ? ', attempts = attempts + 1, started_at = coalesce(started_at, now())' : '';
  return `update task set status = ${taskSql[event].to}, result = ${result}, error = ${error}, finished_at = clock_timestamp()${attempt}`;
}

/** A result message `body` with the task's `finishedAt` (ISO 8601 in UTC, as JavaScript writes it) set from `finishedAt`. */
const withFinishedAt = (body: string, finishedAt: string) =>
  `jsonb_set(${body}, '{task,finishedAt}', to_jsonb(to_char(${finishedAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))`;
const FINISH = { succeed: finishSql('succeed'), fail: finishSql('fail'), cancel: finishSql('cancel') } satisfies Record<FinishEvent, unknown>;

/**
 * `bureau_finish_succeed_user` for every succeeded task of a batch in one
 * statement (pipeline/run-task.ts, `runTaskBatch`): the rows come in as one
 * JSON array, each row's task, result and feed entry as the single statement
 * writes them. Returns each moved task's id with its owner.
 */
const FINISH_SUCCEED_MANY: Statement = {
  name: 'bureau_finish_succeed_many',
  text: `with v as (select * from jsonb_to_recordset($1::jsonb) as v(id bigint, user_id int, tenant_id int, result jsonb, body jsonb)),
     t as (${finishingUpdate('succeed', "coalesce(v.result, 'null'::jsonb)", 'null')}
           from v where task.id = v.id and ${taskSql.succeed.from('task.status')}
           returning task.id, task.finished_at, v.user_id, v.tenant_id, v.body)
   insert into feed_entry (user_id, seq, tenant_id, task_id, body)
   select user_id, -nextval('feed_pending_seq'), tenant_id, id, ${withFinishedAt('body', 'finished_at')}
   from t
   returning task_id, user_id`,
};

/**
 * The statements a worker's quick transaction may end with (it PREPAREs them
 * itself, by name, on each connection). The `fail` and `cancel` ones go through
 * `prepared()` under their own names: one name is never prepared both ways.
 */
export const FINISH_STATEMENTS: readonly Statement[] = [FINISH.succeed.system, FINISH.succeed.user, FINISH_SUCCEED_MANY];

/** A succeeded task of a user as `FINISH_SUCCEED_MANY` takes it. */
export interface SucceededEntry {
  id: number;
  user_id: number;
  tenant_id: number;
  result: unknown;
  body: unknown;
}

/** The finishing statement of several succeeded tasks of users, and each one's rows as its own statement would have returned them. */
export function finishTogether(entries: readonly SucceededEntry[]): { sql: Call; rowsOf: (rows: unknown[], taskId: number) => unknown[] } {
  return {
    sql: { statement: FINISH_SUCCEED_MANY, values: [JSON.stringify(entries)] },
    rowsOf: (rows, taskId) => (rows as { task_id: string | number }[]).filter((r) => Number(r.task_id) === taskId),
  };
}

/** A finishing statement with its values, and how to read its rows. */
export interface Finish {
  sql: Call;
  /** Whether the task moved (the guard let it). */
  moved: (rows: unknown[]) => boolean;
  /** The user whose feed got the result entry, to number after COMMIT (none for a system task, or when the task did not move). */
  feedUser: (rows: unknown[]) => number | null;
  /** A user's succeeded task, as a batch finishes it together with others (`finishTogether`). */
  together?: SucceededEntry;
}

/**
 * The statement that stores a task's final status and result and appends the
 * owner's feed entry (one statement). A worker sends it together with its COMMIT.
 */
export function finishStatement(task: { id: number; action: string; tenant_id: number; actor_id: number | null }, event: FinishEvent, outcome: TaskOutcome): Finish {
  const body = resultBody(task, taskMachine.events[event].to, outcome);
  const result = outcome.result === undefined ? null : JSON.stringify(outcome.result);
  const error = outcome.error ? JSON.stringify(outcome.error) : null;
  const moved = (rows: unknown[]) => rows.length > 0;
  if (task.actor_id === null) return { sql: { statement: FINISH[event].system, values: [result, error, task.id] }, moved, feedUser: () => null };
  const userId = task.actor_id;
  return {
    sql: { statement: FINISH[event].user, values: [userId, result, error, task.id, task.tenant_id, JSON.stringify(body)] },
    moved,
    feedUser: (rows) => (rows.length ? userId : null),
    ...(event === 'succeed' ? { together: { id: task.id, user_id: userId, tenant_id: task.tenant_id, result: outcome.result ?? null, body } } : {}),
  };
}

/**
 * `finishStatement` as a named prepared statement on `em` (its transaction's
 * connection, or the pool's: one statement needs no transaction of its own).
 * For the failure and cancel paths; success is the worker's quick transaction's.
 */
export async function finishTask(
  em: EntityManager,
  task: Parameters<typeof finishStatement>[0],
  event: Exclude<FinishEvent, 'succeed'>,
  outcome: TaskOutcome,
): Promise<{ moved: boolean; feedUser: number | null }> {
  const finish = finishStatement(task, event, outcome);
  const rows = await prepared(em, finish.sql.statement.name, finish.sql.statement.text, finish.sql.values);
  return { moved: finish.moved(rows), feedUser: finish.feedUser(rows) };
}
