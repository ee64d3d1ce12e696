import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { QueuedAction } from '../core/define-action.js';
import type { Actor } from '../core/roles.js';
import { actorFromRow } from '../domains/accounts/service.js';
import type { Dispatch, TaskCopy } from '../infra/queue.js';
import { currentCarrier, type TraceCarrier } from '../infra/tracing.js';
import type { Backpressure } from './backpressure.js';
import type { Outbox } from './outbox.js';
import { prepared } from './prepared.js';
import { taskSql } from './task-sql.js';

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
 * no row. $8-$10 give the room of each tenant whose tasks on a queue are capped
 * (fairness.ts): its rows past that room, in batch order, are recorded held.
 */
const SUBMIT_WITH_SESSIONS = `
  with r as (
    select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) with ordinality
      as r(token_hash, roles, action, queue, input, idem_key, n)
  ), a as (
    select r.n, nextval('task_id_seq'::regclass) as task_id, r.action, r.queue, r.input, r.idem_key, u.id, u.tenant_id, u.email, u.role, u.level
      from r join session s on s.token_hash = r.token_hash join app_user u on u.id = s.user_id
     where s.revoked_at is null and s.expires_at > $7 and u.status = 'active' and u.role = any(string_to_array(r.roles, ','))
  ), h as (
    select a.*, case when row_number() over (partition by a.queue, a.tenant_id order by a.n) > m.room then a.tenant_id end as held_for
      from a left join unnest($8::text[], $9::int[], $10::int[]) as m(queue, tenant_id, room) on m.queue = a.queue and m.tenant_id = a.tenant_id
  ), t as (
    insert into task (id, tenant_id, actor_id, action, queue, input, status, idem_key) overriding system value
    select task_id, tenant_id, id, action, queue, input::jsonb, ${taskSql.submit.to}, idem_key from h order by n
    on conflict (actor_id, idem_key) where idem_key is not null do nothing
    returning id, queue
  ), o as (insert into outbox (task_id, queue, held_for) select t.id, t.queue, h.held_for from t join h on h.task_id = t.id)
  select h.n, h.task_id, h.id, h.tenant_id, h.email, h.role, h.level, h.held_for from h join t on t.id = h.task_id`;

/**
 * The door's quick path (see `Submissions.submitWithSession`): every submit of
 * the same event-loop turn goes to PostgreSQL as ONE statement, and the jobs of
 * the tasks it recorded go out in one addBulk, before the replies.
 */
export class QuickSubmits {
  private quick: QuickSubmit[] = [];

  constructor(
    private readonly outbox: Outbox,
    private readonly backpressure: Backpressure | null,
    private readonly log: Logger | null,
  ) {}

  submit(em: EntityManager, sessionHash: string, def: QueuedAction, roles: readonly string[], input: unknown, key: string | null): Promise<{ actor: Actor & { kind: 'user' }; id: number } | null> {
    return new Promise((resolve) => {
      // Callers pass the pool's entity manager (no transaction): the batch runs on the first one's.
      if (!this.quick.length) setImmediate(() => void this.submitBatch(em));
      this.quick.push({ sessionHash, roles: roles.join(','), action: def.name, queue: def.worker, input, key, resolve, trace: currentCarrier() });
    });
  }

  private async submitBatch(em: EntityManager): Promise<void> {
    const batch = this.quick;
    this.quick = [];
    const rooms = [...new Set(batch.map((b) => b.queue))].flatMap((queue) => (this.backpressure?.rooms(queue) ?? []).map((r) => ({ queue, ...r })));
    let rows: { n: number; task_id: number; id: number; tenant_id: number; email: string; role: string; level: number; held_for: number | null }[] = [];
    try {
      rows = await prepared(em, 'bureau_task_submit_batch', SUBMIT_WITH_SESSIONS, [
        batch.map((b) => b.sessionHash),
        batch.map((b) => b.roles),
        batch.map((b) => b.action),
        batch.map((b) => b.queue),
        batch.map((b) => JSON.stringify(b.input)),
        batch.map((b) => b.key),
        new Date(),
        rooms.map((r) => r.queue),
        rooms.map((r) => r.tenantId),
        rooms.map((r) => r.room),
      ]);
    } catch (err) {
      // Nothing was recorded: every request takes the step-by-step path, which reports its own error.
      this.log?.warn({ err: (err as Error).message, count: batch.length }, 'quick submit failed; taking the step-by-step path');
    }
    const byRow = new Map(rows.map((r) => [r.n, { id: r.task_id, held: r.held_for !== null, actor: actorFromRow(r) as Actor & { kind: 'user' } }]));
    // The jobs go out before the replies: a worker can start while the 202s are written. Held tasks wait in the outbox.
    this.outbox.dispatchNow(
      batch.flatMap((b, i): Dispatch[] => {
        const r = byRow.get(i + 1);
        if (!r) return [];
        const placed = this.backpressure?.place(b.queue, r.actor.tenantId, r.id, r.held) ?? {};
        return r.held ? [] : [{ taskId: r.id, queue: b.queue, runAt: null, copy: copyOf(b.action, b.input, r.actor), trace: b.trace, ...placed }];
      }),
    );
    batch.forEach((b, i) => {
      const r = byRow.get(i + 1);
      b.resolve(r ? { actor: r.actor, id: r.id } : null);
    });
  }
}

/** The job's copy of a task the door just recorded for `actor` (an active user: the door checked). */
export function copyOf(action: string, input: unknown, actor: Actor & { kind: 'user' }): TaskCopy {
  return {
    tenant_id: actor.tenantId,
    actor_id: actor.id,
    action,
    input,
    actor: { id: actor.id, tenant_id: actor.tenantId, role: actor.role, level: actor.level, email: actor.email, status: 'active' },
  };
}
