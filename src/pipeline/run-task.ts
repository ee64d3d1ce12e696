import { isDeepStrictEqual } from 'node:util';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { AppError, toAppError } from '../core/errors.js';
import type { Registry } from '../core/registry.js';
import type { Actor } from '../core/roles.js';
import { mayRun } from '../core/define-action.js';
import { inTransaction, sql, type Orm } from '../infra/db.js';
import type { FeedBus } from '../infra/feed-bus.js';
import { UnrecoverableError, type Dispatch, type Job, type JobData, type TaskCopy } from '../infra/queue.js';
import { batchTransaction, quickTransaction, speculativeTransaction, type Call, type Ending, type Statement } from '../infra/quick-transaction.js';
import type { Mailer } from '../infra/mailer.js';
import { lazyChild } from '../infra/logger.js';
import { actorFromRow } from '../domains/accounts/service.js';
import { taskMachine } from '../domains/tasks/machine.js';
import { currentCarrier, withSpan } from '../infra/tracing.js';
import { buildContext, Effects } from './effects.js';
import { batchSql, handlerSql, type HandlerSql } from './handler-sql.js';
import { FINISH_STATEMENTS, finishStatement, finishTask, finishTogether, resultBody, type SucceededEntry } from './finish-statements.js';
import type { FeedNumbering } from './feed-numbering.js';
import type { Outbox } from './outbox.js';
import { taskSql } from './task-sql.js';
import type { TaskBatches } from './task-batch.js';

export interface WorkerDeps {
  orm: Orm;
  config: Config;
  log: Logger;
  registry: Registry;
  /** Live-only messages (the `running` notice). */
  bus: FeedBus;
  /** Numbers and publishes the feed entries a task's transaction appended, after its COMMIT. */
  feed: Pick<FeedNumbering, 'settle'>;
  outbox: Outbox;
  now: () => Date;
  /** Present in processes that run the `mail` queue. */
  mailer?: Mailer;
  /** Told each final status this worker stores (Prometheus: tasks by action and status, queued -> finished latency). */
  metrics?: { taskFinished(action: string, status: string, enqueuedAt: number | undefined): void };
  /** The process's batcher: jobs of batchable actions that start together share one transaction (task-batch.ts). */
  batches?: TaskBatches<TaskJob>;
}

/** What `runTask` reads of a BullMQ job. */
export type TaskJob = Pick<Job<JobData>, 'data' | 'attemptsMade' | 'opts'> & { timestamp?: number };

/** The task as its transaction's first statement reads it (`TaskCopy` is the same without the id). */
interface TaskRow extends TaskCopy {
  id: number;
}

/** A task still running this long after it started gets a live `running` notice (never replayed, without seq). */
const RUNNING_NOTICE_MS = 250;

/**
 * Runs one delivery of a task's job. Safe to call any number of times for the
 * same task: the first statement of the handler's transaction locks the task
 * row until commit (the inbox mark), and a task that is no longer queued or
 * running is never run again. A concurrent duplicate waits on that lock and
 * then finds the task finished.
 *
 * A job the door wrote carries a copy of its task. The handler then starts from
 * the copy while the lock-and-read travels in front of its first query (one
 * round trip fewer); the transaction commits only if the row read under the lock
 * is the copy, its task still queued or running and its submitter unchanged and
 * active. Anything else, and any failure before that row was read, rolls the
 * attempt back and runs it again the plain way, from the row.
 *
 * Rejects with a plain error for BullMQ to retry (a retryable code with attempts
 * left: its backoff applies), or with `UnrecoverableError` once the task is
 * stored as failed (a rule's refusal, or the last attempt spent): BullMQ then
 * puts the job in its failed set with the reason and runs it no more.
 */
export async function runTask(deps: WorkerDeps, job: TaskJob): Promise<void> {
  const taskId = job.data.taskId;
  // A job written by hand or by other code may name no task: there is nothing to run, and retrying will not change that.
  if (!Number.isSafeInteger(taskId) || taskId <= 0) return void deps.log.warn({ taskId: String(taskId) }, 'job names no task; nothing to run');
  if (deps.batches && batchable(deps, job)) return deps.batches.run(job);
  return runAlone(deps, job);
}

/** Whether the job may share a transaction: the door's copy of its task is in it, and its action is batchable. */
function batchable(deps: WorkerDeps, job: TaskJob): boolean {
  const action = job.data.copy?.action;
  const def = action === undefined ? undefined : deps.registry.get(action);
  return def?.mode === 'queued' && def.batch === true && !deps.config.tracing.enabled;
}

/** `runTask` for one job in a transaction of its own. */
export async function runAlone(deps: WorkerDeps, job: TaskJob): Promise<void> {
  const taskId = job.data.taskId;
  const fresh = () => deps.orm.em.fork() as EntityManager;
  const seen: { task: TaskRow | null; running: NodeJS.Timeout | null } = { task: null, running: null };
  let log = deps.log;
  const quick = { sqlPrepare: deps.config.sqlPrepare, statements: QUICK_STATEMENTS };
  const start = { statement: START, values: [taskId] };
  const begin = (task: TaskRow) => {
    log = lazyChild(deps.log, { taskId, action: task.action });
    // The live `running` notice goes out only for a task still running after RUNNING_NOTICE_MS: a quick task's result says it all.
    const actorId = task.actor_id;
    if (actorId !== null && !seen.running) {
      seen.running = setTimeout(() => void deps.bus.publish([{ userId: actorId, seq: null, taskId, body: resultBody(task, taskMachine.events.start.to, {}) }]).catch(() => undefined), RUNNING_NOTICE_MS);
    }
  };
  try {
    const copy = job.data.copy ? { id: taskId, ...job.data.copy } : null;
    const speculated = copy
      ? await speculativeTransaction(
          deps.orm,
          quick,
          start,
          (rows) => {
            const row = rows[0] as TaskRow | undefined;
            if (!row || !sameTask(row, copy)) return false;
            seen.task = row;
            return true;
          },
          (tem) => (begin(copy), execute(deps, tem, copy, log)),
        ).catch((err: unknown) => {
          // Failed before the row was read, or the row is not the copy: nothing was written; run it from the row.
          if (seen.task) throw err;
          deps.log.debug({ taskId, err: (err as Error).message }, 'the job\'s copy of its task was not confirmed; running it from the row');
          return null;
        })
      : null;
    const { value: outcome, lastRows } =
      speculated ??
      (await quickTransaction(deps.orm, quick, start, async (tem, rows) => {
        const task = (rows[0] as TaskRow | undefined) ?? null;
        if (!task) return { value: null };
        seen.task = task;
        begin(task);
        return execute(deps, tem, task, log);
      }));
    if (seen.running) clearTimeout(seen.running);
    if (!outcome) return republish(deps, fresh(), taskId);
    const own = outcome.finish(lastRows);
    if (seen.task) deps.metrics?.taskFinished(seen.task.action, taskMachine.events.succeed.to, enqueuedAt(job));
    const carrier = deps.config.tracing.enabled ? currentCarrier() : undefined;
    await deps.feed.settle(own === null ? outcome.feedUsers : [own, ...outcome.feedUsers], carrier ? { taskId, carrier } : undefined);
    deps.outbox.dispatchSoon(outcome.dispatches);
    if (outcome.afterCommit.length) await runAfterCommit(deps, fresh, seen.task!, outcome.afterCommit, log);
  } catch (thrown) {
    if (seen.running) clearTimeout(seen.running);
    const task = seen.task;
    // The task could not even be read (database down): BullMQ retries the job, and the reconciler has the last word.
    if (!task) throw thrown;
    const err = toAppError(thrown);
    const attempts = job.opts.attempts ?? 1;
    if (err.retryable && job.attemptsMade + 1 < attempts) {
      log.warn({ code: err.code, attempt: job.attemptsMade + 1 }, 'task failed; will retry');
      // The attempt's mark was rolled back with its writes: count it on its own.
      await sql(fresh(), RETRY_MARK, [taskId]).catch(() => undefined);
      throw thrown;
    }
    if (err.code === 'INTERNAL') log.error({ err: thrown }, 'task failed with an internal error');
    // One statement, so no transaction of its own: the attempt counted, the task failed with its error, the owner's feed entry.
    const { moved, feedUser } = await finishTask(fresh(), task, 'fail', { error: err.toJSON() });
    // Another delivery finished the task meanwhile: this one has nothing to report.
    if (!moved) return;
    deps.metrics?.taskFinished(task.action, taskMachine.events.fail.to, enqueuedAt(job));
    if (feedUser !== null) await deps.feed.settle([feedUser]);
    // Stored as failed, so the reconciler leaves it alone too (it re-queues only tasks a worker may still start).
    throw new UnrecoverableError(`${err.code}: ${err.message}`);
  }
}

/** Thrown inside a batch's transaction to roll it back and run each of its tasks alone. */
class BatchDeclined extends Error {}

/**
 * Runs the jobs of batchable actions that started together in ONE transaction:
 * `BEGIN` with one lock-and-read of every task (in id order), the handlers side
 * by side (each with a unit of work of its own, on the shared connection; the
 * `ctx.sql` statements they send together go out as one message, `batchSql`),
 * then every task's finishing statement in one message with `COMMIT`: three
 * round trips for the batch when each handler sends one statement. Durability is
 * the same as alone: each task's handler, result and feed entry are in a durable
 * commit before its job completes; they are just in the same one.
 *
 * The unit of failure stays the task: a task whose row is not its job's copy
 * (finished already, cancelled, its submitter changed) is left out and runs
 * alone after the batch; if anything throws inside the batch (a handler's
 * refusal, a deadlock, a lost connection, a task that would send mail), the
 * whole batch rolls back, nothing of it is written, and every task runs alone,
 * the ordinary way, with its own retries. No `running` notice is sent for a
 * batched task (they are short by design; the result follows at once).
 */
export async function runTaskBatch(deps: WorkerDeps, jobs: TaskJob[]): Promise<Promise<void>[]> {
  const copies = jobs.map((job, at) => ({ job, at, copy: { id: job.data.taskId, ...job.data.copy! } as TaskRow }));
  /** The tasks the batch ran: `last` is the index of a task's own finishing statement, null when `together` finished it. */
  const ran: { job: TaskJob; at: number; task: TaskRow; outcome: Outcome; log: Logger; last: number | null }[] = [];
  const quick = { sqlPrepare: deps.config.sqlPrepare, statements: QUICK_STATEMENTS };
  let lastRows: unknown[][];
  let together: ReturnType<typeof finishTogether> | null = null;
  try {
    ({ lastRows } = await batchTransaction(deps.orm, quick, { statement: START_MANY, values: [`{${copies.map((c) => c.copy.id).join(',')}}`] }, async (em, rows) => {
      const read = new Map((rows as TaskRow[]).map((r) => [Number(r.id), r]));
      // Read once per task: a second delivery of the same task in the batch runs alone after it (and finds it done).
      const runs = copies.filter(({ copy }) => {
        const row = read.get(copy.id);
        read.delete(copy.id);
        return row !== undefined && sameTask(row, copy);
      });
      const shared = batchSql(em());
      const logs = runs.map(({ copy }) => lazyChild(deps.log, { taskId: copy.id, action: copy.action }));
      // The handlers run side by side: the statements they send together go out as one message (batchSql). Every
      // one settles before the batch goes on, so none is left to send after the transaction ended.
      const ends = await Promise.allSettled(runs.map(({ copy }, k) => execute(deps, em(), copy, logs[k]!, shared?.sqlFor)));
      if (shared && !shared.close()) throw new BatchDeclined('a batched handler did not wait for its SQL');
      const lasts: Call[] = [];
      ends.forEach((end, k) => {
        if (end.status === 'rejected') throw end.reason;
        if (end.value.beforeCommit || !end.value.last) throw new BatchDeclined('a batched task sends mail');
        const { job, at, copy } = runs[k]!;
        ran.push({ job, at, task: copy, outcome: end.value.value, log: logs[k]!, last: end.value.value.together ? null : lasts.push(end.value.last) - 1 });
      });
      // Users' succeeded tasks (all of create_customer's) are finished by one statement; any other by its own.
      const entries = ran.flatMap((r) => (r.outcome.together ? [r.outcome.together] : []));
      if (entries.length) lasts.push((together = finishTogether(entries)).sql);
      return { value: null, lasts };
    }));
  } catch (err) {
    // Nothing of the batch was written: each task runs alone, with its own retries and failure.
    deps.log.debug({ tasks: copies.map((c) => c.copy.id), err: (err as Error).message }, 'a batch of tasks rolled back; running each alone');
    return jobs.map((job) => runAlone(deps, job));
  }
  const users = new Set<number>();
  for (const r of ran) {
    const own = r.outcome.finish(r.last !== null ? lastRows[r.last]! : together!.rowsOf(lastRows[lastRows.length - 1]!, r.task.id));
    if (own !== null) users.add(own);
    for (const u of r.outcome.feedUsers) users.add(u);
    deps.metrics?.taskFinished(r.task.action, taskMachine.events.succeed.to, enqueuedAt(r.job));
  }
  const settled = deps.feed.settle(users);
  const fresh = () => deps.orm.em.fork() as EntityManager;
  const mine = new Map(
    ran.map((r) => [
      r.at,
      settled.then(async () => {
        deps.outbox.dispatchSoon(r.outcome.dispatches);
        if (r.outcome.afterCommit.length) await runAfterCommit(deps, fresh, r.task, r.outcome.afterCommit, r.log);
      }),
    ]),
  );
  // Left out of the batch (its row was not the copy): alone, after the batch let go of its row.
  return jobs.map((job, at) => mine.get(at) ?? runAlone(deps, job));
}

/** When the job became runnable: added, plus its delay (a timer's). */
const enqueuedAt = (job: { timestamp?: number; opts: { delay?: number } }): number | undefined => (job.timestamp ? job.timestamp + (job.opts.delay ?? 0) : undefined);

/** Whether the row read under the lock is the job's copy of the task (its input compared as JSON values). */
function sameTask(row: TaskRow, copy: TaskRow): boolean {
  return row.action === copy.action && row.tenant_id === copy.tenant_id && row.actor_id === copy.actor_id && isDeepStrictEqual(row.actor, copy.actor) && isDeepStrictEqual(row.input, copy.input);
}

/** Counts an attempt that failed with a retryable error and marks the task running until its next delivery. */
const RETRY_MARK = `update task set status = ${taskSql.retry.to}, attempts = attempts + 1, started_at = coalesce(started_at, now())
  where id = ? and ${taskSql.retry.from()}`;

/**
 * The transaction's first statement: locks the task row if it still waits or
 * runs, and reads it with its submitter (one round trip). The attempt is
 * counted by the statement that finishes the task, so a run writes the row once.
 */
const START: Statement = {
  name: 'bureau_task_start',
  text: `select id, tenant_id, actor_id, action, input,
      (select json_build_object('id', u.id, 'tenant_id', u.tenant_id, 'role', u.role, 'level', u.level, 'email', u.email, 'status', u.status)
         from app_user u where u.id = task.actor_id) as actor
    from task where id = $1 and ${taskSql.start.from()} for update`,
};
/** `START` for a batch: every task of it locked in id order (two batches sharing a task never wait on each other in a cycle). */
const START_MANY: Statement = {
  name: 'bureau_task_start_many',
  text: `select id, tenant_id, actor_id, action, input,
      (select json_build_object('id', u.id, 'tenant_id', u.tenant_id, 'role', u.role, 'level', u.level, 'email', u.email, 'status', u.status)
         from app_user u where u.id = task.actor_id) as actor
    from task where id = any($1::bigint[]) and ${taskSql.start.from()} order by id for update`,
};
const QUICK_STATEMENTS = [START, START_MANY, ...FINISH_STATEMENTS];

interface Outcome {
  /** The user whose feed got the task's result entry, read from the rows of the finishing statement. */
  finish: (rows: unknown[]) => number | null;
  /** Users whose feeds got notices. */
  feedUsers: number[];
  dispatches: Dispatch[];
  afterCommit: Effects['afterCommit'];
  /** The finish as a batch sends it together with others' (a user's task). */
  together?: SucceededEntry;
}

/**
 * Inside the task's transaction, with its row locked: checks, handler, effects;
 * returns the statement that stores the result and feed entry, to be sent with
 * COMMIT (or before the mail, when the task sends any).
 */
async function execute(deps: WorkerDeps, tem: EntityManager, task: TaskRow, log: Logger, sqlOf: (tem: EntityManager) => HandlerSql = handlerSql): Promise<Ending<Outcome>> {
  const def = deps.registry.get(task.action);
  if (!def || def.mode !== 'queued') throw new AppError('UNKNOWN_ACTION', `No queued action named ${task.action}.`);
  // Re-checked here: the task may have been written by older code or by hand.
  const parsed = def.input.safeParse(task.input);
  if (!parsed.success) throw new AppError('VALIDATION_FAILED', 'The stored input no longer matches the action schema.', { issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
  const actor = loadActor(task);
  if (!mayRun(def, actor)) throw new AppError('FORBIDDEN', `A ${actor.kind === 'user' ? actor.role : 'system'} may not run ${def.name}.`);
  const effects = new Effects();
  // A handler that never reads `ctx.em` has nothing in its unit of work: no flush (MikroORM's flush also turns on
  // AsyncLocalStorage's promise hooks for the rest of the process's life).
  let usedEm = false;
  const ctx = {
    ...buildContext({ em: tem, actor, taskId: task.id, log, config: deps.config, now: deps.now, registry: deps.registry, effects }),
    get em() {
      usedEm = true;
      return tem;
    },
    sql: sqlOf(tem),
  };
  const result = deps.config.tracing.enabled ? await withSpan(`transaction ${def.name}`, { attributes: { 'bureau.task.id': task.id } }, () => def.handler(parsed.data, ctx)) : await def.handler(parsed.data, ctx);
  if (usedEm) await tem.flush();
  const queueOf = (name: string) => {
    const d = deps.registry.get(name);
    return d?.mode === 'queued' ? deps.registry.queueFor(d, { kind: 'system', tenantId: task.tenant_id }) : 'system';
  };
  const side = await effects.persist(tem, { tenantId: task.tenant_id, actorId: task.actor_id, taskId: task.id, queueOf });
  const finish = finishStatement(task, 'succeed', { result: result ?? null });
  return {
    value: { finish: finish.feedUser, feedUsers: side.feedUsers, dispatches: side.dispatches, afterCommit: effects.afterCommit, ...(finish.together ? { together: finish.together } : {}) },
    last: finish.sql,
    // Mail goes to SMTP after the result is written and before COMMIT (see `ActionContext.mail`).
    ...(effects.mails.length ? { beforeCommit: () => effects.sendMail(deps.mailer) } : {}),
  };
}

/**
 * A committed task's `afterCommit` callbacks (outbound calls), with no
 * transaction open. What they enqueue is recorded as system tasks of the
 * tenant, each in a transaction of its own. Their failures are logged: the
 * task has succeeded, and the domain's timer notices a missing outcome.
 */
async function runAfterCommit(deps: WorkerDeps, fresh: () => EntityManager, task: TaskRow, fns: Effects['afterCommit'], log: Logger): Promise<void> {
  const later = {
    enqueue: async (action: string, input: unknown, options = {}) => {
      const def = deps.registry.get(action);
      if (!def || def.mode !== 'queued' || !def.input.safeParse(input).success) throw new AppError('INTERNAL', `enqueue of unknown action or bad input: ${action}`);
      const effects = new Effects();
      effects.enqueued.push({ action, input, options });
      const queueOf = (name: string) => deps.registry.queueFor(deps.registry.get(name) as typeof def, { kind: 'system', tenantId: task.tenant_id });
      const side = await inTransaction(fresh(), (tem) => effects.persist(tem, { tenantId: task.tenant_id, actorId: null, taskId: task.id, queueOf }));
      deps.outbox.dispatchSoon(side.dispatches);
      await deps.feed.settle(side.feedUsers);
    },
  };
  for (const fn of fns) await fn(later).catch((err: unknown) => log.error({ err }, 'an after-commit step failed'));
}

/** The submitting user, as read by the `running` update (one round trip fewer than a select of its own). */
function loadActor(task: TaskRow): Actor {
  if (task.actor_id === null) return { kind: 'system', tenantId: task.tenant_id };
  const u = task.actor;
  if (!u || u.status !== 'active') throw new AppError('FORBIDDEN', 'The account that submitted this task is no longer active.');
  return actorFromRow(u);
}

/**
 * A redelivered job whose task already finished: its result entry may still be
 * unnumbered (the process that finished it died before numbering), so number
 * the owner's feed first, then push the stored result again (clients drop seqs
 * they have).
 */
async function republish(deps: WorkerDeps, em: EntityManager, taskId: number): Promise<void> {
  const [owner] = await sql<{ actor_id: number | null }>(em, 'select actor_id from task where id = ?', [taskId]);
  if (!owner || owner.actor_id === null) return;
  await deps.feed.settle([owner.actor_id]);
  const rows = await sql<{ user_id: number; seq: number; body: Record<string, unknown> }>(
    em,
    `select user_id, seq, body from feed_entry where user_id = ? and task_id = ? and seq > 0 and body->>'type' = 'result' order by seq desc limit 1`,
    [owner.actor_id, taskId],
  );
  const r = rows[0];
  if (r) await deps.bus.publish([{ userId: r.user_id, seq: Number(r.seq), taskId, body: r.body }]).catch(() => undefined);
}
