import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { AppError } from '../core/errors.js';
import type { QueuedAction } from '../core/define-action.js';
import type { Registry } from '../core/registry.js';
import type { Actor } from '../core/roles.js';
import { sql } from '../infra/db.js';
import { actorFromRow } from '../domains/accounts/service.js';
import type { FeedNumbering } from './feed-numbering.js';
import type { TaskCopy } from '../infra/queue.js';
import { currentCarrier, type TraceCarrier } from '../infra/tracing.js';
import { finishTask } from './finish-statements.js';
import { taskMachine, taskMay, type TaskStatus } from '../domains/tasks/machine.js';
import { taskSql } from './task-sql.js';
import type { Backpressure } from './backpressure.js';
import type { Outbox } from './outbox.js';
import { prepared } from './prepared.js';

interface TaskRecord {
  id: number;
  tenant_id: number;
  actor_id: number | null;
  action: string;
  status: TaskStatus;
  result: unknown;
  error: unknown;
  attempts: number;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export function taskView(t: TaskRecord) {
  return {
    id: t.id,
    action: t.action,
    status: t.status,
    ...(t.error ? { error: t.error } : t.status === 'succeeded' ? { result: t.result } : {}),
    actorId: t.actor_id,
    attempts: t.attempts,
    createdAt: t.created_at,
    startedAt: t.started_at,
    finishedAt: t.finished_at,
  };
}

interface QuickSubmit {
  sessionHash: string;
  /** The roles the action allows, comma-separated. */
  roles: string;
  action: string;
  queue: string;
  input: unknown;
  key: string | null;
  resolve: (r: { actor: Actor & { kind: 'user' }; id: number } | null) => void;
  /** The submitting request's trace context (the batch runs in the first request's). */
  trace: TraceCarrier | undefined;
}

/**
 * A batch of submits, one row per request (`n` is its place in the batch): the
 * session checks, the tasks and their outbox rows in one statement. Ids are drawn
 * first so each inserted task can be matched to its request; a row whose session
 * does not pass, or whose idempotency key is taken, inserts nothing and returns
 * no row.
 */
const SUBMIT_WITH_SESSIONS = `
  with r as (
    select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) with ordinality
      as r(token_hash, roles, action, queue, input, idem_key, n)
  ), a as (
    select r.n, nextval('task_id_seq'::regclass) as task_id, r.action, r.queue, r.input, r.idem_key, u.id, u.tenant_id, u.email, u.role, u.level
      from r join session s on s.token_hash = r.token_hash join app_user u on u.id = s.user_id
     where s.revoked_at is null and s.expires_at > $7 and u.status = 'active' and u.role = any(string_to_array(r.roles, ','))
  ), t as (
    insert into task (id, tenant_id, actor_id, action, queue, input, status, idem_key) overriding system value
    select task_id, tenant_id, id, action, queue, input::jsonb, ${taskSql.submit.to}, idem_key from a order by n
    on conflict (actor_id, idem_key) where idem_key is not null do nothing
    returning id, queue
  ), o as (insert into outbox (task_id, queue) select id, queue from t)
  select a.n, a.task_id, a.id, a.tenant_id, a.email, a.role, a.level from a join t on t.id = a.task_id`;

/** Whether `Submissions.submitWithSession` may record this action: it has its own queue and no rate limit (both need the actor first). */
export function takesQuickSubmit(def: QueuedAction): boolean {
  return def.worker !== 'caller' && !def.rateLimit;
}

/** Web-side task operations: submit (task + outbox in one statement), read, cancel. */
export class Submissions {
  constructor(
    private readonly registry: Registry,
    private readonly outbox: Outbox,
    /** Numbers and publishes the feed entries a cancel appends (`FeedNumbering`). */
    private readonly feed: Pick<FeedNumbering, 'settle'>,
    private readonly backpressure: Backpressure | null = null,
    private readonly log: Logger | null = null,
    /** This process's metrics: a task cancelled here is counted in `bureau_tasks_total` like a worker's. */
    private readonly metrics: { taskFinished(action: string, status: string, enqueuedAt: number | undefined): void } | null = null,
  ) {}

  /**
   * Records the task and its outbox row atomically (one statement), then
   * dispatches it. With `key`, the same user's same key returns the first task.
   */
  async submit(em: EntityManager, actor: Actor & { kind: 'user' }, def: QueuedAction, input: unknown, key?: string): Promise<{ id: number; status: TaskStatus; action: string; created: boolean }> {
    const queue = this.registry.queueFor(def, actor);
    await this.backpressure?.check(queue, actor.tenantId);
    const rows = await prepared<{ id: number }>(
      em,
      'bureau_task_submit',
      `with t as (
         insert into task (tenant_id, actor_id, action, queue, input, status, idem_key)
         values ($1, $2, $3, $4, $5::jsonb, ${taskSql.submit.to}, $6)
         on conflict (actor_id, idem_key) where idem_key is not null do nothing
         returning id
       ), o as (insert into outbox (task_id, queue) select id, $4 from t)
       select id from t`,
      [actor.tenantId, actor.id, def.name, queue, JSON.stringify(input), key ?? null],
    );
    if (rows[0]) {
      const priority = this.backpressure?.priority(queue, actor.tenantId, rows[0].id);
      this.outbox.dispatchSoon([{ taskId: rows[0].id, queue, runAt: null, copy: copyOf(def.name, input, actor), trace: currentCarrier(), ...(priority ? { priority } : {}) }]);
      return { id: rows[0].id, status: taskMachine.events.submit.to, action: def.name, created: true };
    }
    const [first] = await sql<{ id: number; status: TaskStatus; action: string }>(em, 'select id, status, action from task where actor_id = ? and idem_key = ?', [actor.id, key]);
    if (!first) throw new AppError('CONFLICT', 'The idempotency key is in use; retry.');
    if (first.action !== def.name) throw new AppError('CONFLICT', `Key "${key}" was already used for a ${first.action} task.`, { taskId: first.id });
    return { ...first, created: false };
  }

  /**
   * The door's quick path for an action with its own queue and no rate limit:
   * checks the session (known, not revoked, not expired at `now`, its user active
   * and of a role the action allows) and records the task with its outbox row.
   * Every such submit of the same event-loop turn (concurrent requests) goes to
   * PostgreSQL as ONE statement. Resolves null whenever it recorded nothing, for
   * whatever reason (no such session, wrong role, idempotency key already used,
   * the statement failed, a rate-limited or caller-queued action): the caller
   * then takes the step-by-step path, which names the problem or finds the first
   * task of the key. Input must have passed the action's schema already.
   */
  async submitWithSession(em: EntityManager, sessionHash: string, def: QueuedAction, input: unknown, key?: string): Promise<{ actor: Actor & { kind: 'user' }; id: number } | null> {
    // A registry's action names its roles or is public (the only string it keeps).
    if (!takesQuickSubmit(def) || typeof def.roles === 'string') return null;
    const roles = def.roles.join(',');
    // A queue where someone could be refused: the step-by-step path, which knows the tenant, decides.
    if (this.backpressure && !(await this.backpressure.clear(def.worker))) return null;
    return new Promise((resolve) => {
      // Callers pass the pool's entity manager (no transaction): the batch runs on the first one's.
      if (!this.quick.length) setImmediate(() => void this.submitQuickBatch(em));
      this.quick.push({ sessionHash, roles, action: def.name, queue: def.worker, input, key: key ?? null, resolve, trace: currentCarrier() });
    });
  }

  private quick: QuickSubmit[] = [];

  private async submitQuickBatch(em: EntityManager): Promise<void> {
    const batch = this.quick;
    this.quick = [];
    let rows: { n: number; task_id: number; id: number; tenant_id: number; email: string; role: string; level: number }[] = [];
    try {
      rows = await prepared(em, 'bureau_task_submit_sessions', SUBMIT_WITH_SESSIONS, [
        batch.map((b) => b.sessionHash),
        batch.map((b) => b.roles),
        batch.map((b) => b.action),
        batch.map((b) => b.queue),
        batch.map((b) => JSON.stringify(b.input)),
        batch.map((b) => b.key),
        new Date(),
      ]);
    } catch (err) {
      // Nothing was recorded: every request takes the step-by-step path, which reports its own error.
      this.log?.warn({ err: (err as Error).message, count: batch.length }, 'quick submit failed; taking the step-by-step path');
    }
    const byRow = new Map(rows.map((r) => [r.n, { id: r.task_id, actor: actorFromRow(r) as Actor & { kind: 'user' } }]));
    // The jobs go out before the replies: a worker can start while the 202s are written.
    this.outbox.dispatchNow(
      batch.flatMap((b, i) => {
        const r = byRow.get(i + 1);
        if (!r) return [];
        const priority = this.backpressure?.priority(b.queue, r.actor.tenantId, r.id);
        return [{ taskId: r.id, queue: b.queue, runAt: null, copy: copyOf(b.action, b.input, r.actor), trace: b.trace, ...(priority ? { priority } : {}) }];
      }),
    );
    batch.forEach((b, i) => b.resolve(byRow.get(i + 1) ?? null));
  }

  /** A task, to its owner or an admin of its tenant; anyone else gets 404. */
  async get(em: EntityManager, actor: Actor, id: number) {
    const [t] = await sql<TaskRecord>(em, 'select * from task where id = ? and tenant_id = ?', [id, actor.tenantId]);
    if (!t || !canSee(actor, t)) throw new AppError('NOT_FOUND', `No task ${id}.`);
    return taskView(t);
  }

  /** Cancels a task still waiting in its queue; 409 once it runs or has finished. */
  async cancel(em: EntityManager, actor: Actor, id: number) {
    const { moved, feedUser, action } = await em.transactional(async (txEm) => {
      const tem = txEm as EntityManager;
      const [t] = await sql<TaskRecord>(tem, 'select * from task where id = ? and tenant_id = ? for update', [id, actor.tenantId]);
      if (!t || !canSee(actor, t)) throw new AppError('NOT_FOUND', `No task ${id}.`);
      if (!taskMay('cancel', t.status)) throw new AppError('CONFLICT', `Task ${id} is ${t.status}; only a ${taskMachine.events.cancel.from.join(' or ')} task can be cancelled.`, { status: t.status });
      const { moved, feedUser } = await finishTask(tem, t, 'cancel', { error: { code: 'CONFLICT', message: 'Cancelled before it ran.' } });
      return { moved, feedUser, action: t.action };
    });
    if (moved) this.metrics?.taskFinished(action, taskMachine.events.cancel.to, undefined);
    if (feedUser !== null) await this.feed.settle([feedUser]);
    return this.get(em, actor, id);
  }
}

/** The job's copy of a task the door just recorded for `actor` (an active user: the door checked). */
function copyOf(action: string, input: unknown, actor: Actor & { kind: 'user' }): TaskCopy {
  return {
    tenant_id: actor.tenantId,
    actor_id: actor.id,
    action,
    input,
    actor: { id: actor.id, tenant_id: actor.tenantId, role: actor.role, level: actor.level, email: actor.email, status: 'active' },
  };
}

function canSee(actor: Actor, t: { actor_id: number | null }): boolean {
  if (actor.kind === 'system') return true;
  return t.actor_id === actor.id || actor.role === 'admin';
}
