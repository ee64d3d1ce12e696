import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { AppError } from '../core/errors.js';
import type { QueuedAction } from '../core/define-action.js';
import type { Registry } from '../core/registry.js';
import type { Actor } from '../core/roles.js';
import { inTransaction, sql } from '../infra/db.js';
import type { FeedNumbering } from './feed-numbering.js';
import { currentCarrier } from '../infra/tracing.js';
import { finishTask } from './finish-statements.js';
import { taskMachine, taskMay, type TaskStatus } from '../domains/tasks/machine.js';
import { taskSql } from './task-sql.js';
import type { Backpressure } from './backpressure.js';
import type { Outbox } from './outbox.js';
import { prepared } from './prepared.js';
import { copyOf, QuickSubmits } from './quick-submit.js';

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
  ) {
    this.quick = new QuickSubmits(outbox, backpressure, log);
  }

  private readonly quick: QuickSubmits;

  /**
   * Records the task and its outbox row atomically (one statement), then
   * dispatches it. With `key`, the same user's same key returns the first task.
   */
  async submit(em: EntityManager, actor: Actor & { kind: 'user' }, def: QueuedAction, input: unknown, key?: string): Promise<{ id: number; status: TaskStatus; action: string; created: boolean }> {
    const queue = this.registry.queueFor(def, actor);
    await this.backpressure?.check(queue, actor.tenantId);
    // Past its share of the queue while other tenants have work there, the task waits in the outbox, held (fairness.ts).
    const held = (this.backpressure?.room(queue, actor.tenantId) ?? Infinity) < 1;
    const rows = await prepared<{ id: number }>(
      em,
      'bureau_task_submit_one',
      `with t as (
         insert into task (tenant_id, actor_id, action, queue, input, status, idem_key)
         values ($1, $2, $3, $4, $5::jsonb, ${taskSql.submit.to}, $6)
         on conflict (actor_id, idem_key) where idem_key is not null do nothing
         returning id
       ), o as (insert into outbox (task_id, queue, held_for) select id, $4, $7::int from t)
       select id from t`,
      [actor.tenantId, actor.id, def.name, queue, JSON.stringify(input), key ?? null, held ? actor.tenantId : null],
    );
    if (rows[0]) {
      const placed = this.backpressure?.place(queue, actor.tenantId, rows[0].id, held) ?? {};
      if (!held) this.outbox.dispatchSoon([{ taskId: rows[0].id, queue, runAt: null, copy: copyOf(def.name, input, actor), trace: currentCarrier(), ...placed }]);
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
    // A queue where someone could be refused: the step-by-step path, which knows the tenant, decides.
    if (this.backpressure && !(await this.backpressure.clear(def.worker))) return null;
    return this.quick.submit(em, sessionHash, def, def.roles, input, key ?? null);
  }

  /** A task, to its owner or an admin of its tenant; anyone else gets 404. */
  async get(em: EntityManager, actor: Actor, id: number) {
    const [t] = await sql<TaskRecord>(em, 'select * from task where id = ? and tenant_id = ?', [id, actor.tenantId]);
    if (!t || !canSee(actor, t)) throw new AppError('NOT_FOUND', `No task ${id}.`);
    return taskView(t);
  }

  /** Cancels a task still waiting in its queue; 409 once it runs or has finished. */
  async cancel(em: EntityManager, actor: Actor, id: number) {
    // Raw SQL only, so nothing to flush; not `em.transactional` (see `inTransaction`): cancels run in web processes.
    const { moved, feedUser, action } = await inTransaction(em, async (tem) => {
      const [t] = await sql<TaskRecord>(tem, 'select * from task where id = ? and tenant_id = ? for update', [id, actor.tenantId]);
      if (!t || !canSee(actor, t)) throw new AppError('NOT_FOUND', `No task ${id}.`);
      if (!taskMay('cancel', t.status)) throw new AppError('CONFLICT', `Task ${id} is ${t.status}; only a ${taskMachine.events.cancel.from.join(' or ')} task can be cancelled.`, { status: t.status });
      const { moved, feedUser } = await finishTask(tem, t, 'cancel', { error: { code: 'CONFLICT', message: 'Cancelled before it ran.' } });
      // A task held for fairness has only its outbox row (nothing else would ever take a held row of a finished task).
      if (moved) await sql(tem, 'delete from outbox where task_id = ? and held_for is not null', [id]);
      return { moved, feedUser, action: t.action };
    });
    if (moved) this.metrics?.taskFinished(action, taskMachine.events.cancel.to, undefined);
    if (feedUser !== null) await this.feed.settle([feedUser]);
    return this.get(em, actor, id);
  }
}

function canSee(actor: Actor, t: { actor_id: number | null }): boolean {
  if (actor.kind === 'system') return true;
  return t.actor_id === actor.id || actor.role === 'admin';
}
