import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../core/errors.js';
import type { QueuedAction } from '../core/define-action.js';
import type { Registry } from '../core/registry.js';
import type { Actor } from '../core/roles.js';
import { sql } from '../infra/db.js';
import type { FeedBus } from '../infra/feed-bus.js';
import { finishTask } from './feed-store.js';
import type { Backpressure } from './backpressure.js';
import type { Outbox } from './outbox.js';
import { prepared } from './prepared.js';

interface TaskRecord {
  id: number;
  tenant_id: number;
  actor_id: number | null;
  action: string;
  status: string;
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

/** Web-side task operations: submit (task + outbox in one statement), read, cancel. */
export class Tasks {
  constructor(
    private readonly registry: Registry,
    private readonly outbox: Outbox,
    private readonly bus: FeedBus,
    private readonly backpressure: Backpressure | null = null,
  ) {}

  /**
   * Records the task and its outbox row atomically (one statement), then
   * dispatches it. With `key`, the same user's same key returns the first task.
   */
  async submit(em: EntityManager, actor: Actor & { kind: 'user' }, def: QueuedAction, input: unknown, key?: string): Promise<{ id: number; status: string; action: string; created: boolean }> {
    const queue = this.registry.queueFor(def, actor);
    await this.backpressure?.check(queue);
    const rows = await prepared<{ id: number }>(
      em,
      'bureau_task_submit',
      `with t as (
         insert into task (tenant_id, actor_id, action, queue, input, status, idem_key)
         values ($1, $2, $3, $4, $5::jsonb, 'queued', $6)
         on conflict (actor_id, idem_key) where idem_key is not null do nothing
         returning id
       ), o as (insert into outbox (task_id, queue) select id, $4 from t)
       select id from t`,
      [actor.tenantId, actor.id, def.name, queue, JSON.stringify(input), key ?? null],
    );
    if (rows[0]) {
      this.outbox.dispatchSoon([{ taskId: rows[0].id, queue, runAt: null }]);
      return { id: rows[0].id, status: 'queued', action: def.name, created: true };
    }
    const [first] = await sql<{ id: number; status: string; action: string }>(em, 'select id, status, action from task where actor_id = ? and idem_key = ?', [actor.id, key]);
    if (!first) throw new AppError('CONFLICT', 'The idempotency key is in use; retry.');
    if (first.action !== def.name) throw new AppError('CONFLICT', `Key "${key}" was already used for a ${first.action} task.`, { taskId: first.id });
    return { ...first, created: false };
  }

  /** A task, to its owner or an admin of its tenant; anyone else gets 404. */
  async get(em: EntityManager, actor: Actor, id: number) {
    const [t] = await sql<TaskRecord>(em, 'select * from task where id = ? and tenant_id = ?', [id, actor.tenantId]);
    if (!t || !canSee(actor, t)) throw new AppError('NOT_FOUND', `No task ${id}.`);
    return taskView(t);
  }

  /** Cancels a task still waiting in its queue; 409 once it runs or has finished. */
  async cancel(em: EntityManager, actor: Actor, id: number) {
    const message = await em.transactional(async (txEm) => {
      const tem = txEm as EntityManager;
      const [t] = await sql<TaskRecord>(tem, 'select * from task where id = ? and tenant_id = ? for update', [id, actor.tenantId]);
      if (!t || !canSee(actor, t)) throw new AppError('NOT_FOUND', `No task ${id}.`);
      if (t.status !== 'queued') throw new AppError('CONFLICT', `Task ${id} is ${t.status}; only a queued task can be cancelled.`, { status: t.status });
      return finishTask(tem, t, 'cancelled', { error: { code: 'CONFLICT', message: 'Cancelled before it ran.' } });
    });
    if (message) await this.bus.publish([message]).catch(() => undefined);
    return this.get(em, actor, id);
  }
}

function canSee(actor: Actor, t: { actor_id: number | null }): boolean {
  if (actor.kind === 'system') return true;
  return t.actor_id === actor.id || actor.role === 'admin';
}
