import type { Db } from '../../core/context.js';
import type { Recorder, TransitionRecord } from '../../core/state-machine.js';

/** What every row of one write shares: the tenant, who acted (null: the system), the task (null: the web process), when. */
export interface EventMeta {
  tenantId: number;
  actorId: number | null;
  taskId: number | null;
  /** The caller's clock; the database's `now()` when absent. */
  at?: Date | undefined;
}

const COLUMNS = 'tenant_id, entity_type, entity_id, event, from_status, to_status, actor_id, reason, data, task_id, at';
const ROW = '(?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, coalesce(?::timestamptz, now()))';

/**
 * Appends the history rows `fire()` produced, in one statement on `db`'s
 * transaction. The one way an `entity_event` row is written, by a worker (a
 * task's effects, before its result) and by the web process (invitation link
 * pages) alike, so both write the same columns the same way.
 */
export async function recordEvents(db: Db, meta: EventMeta, events: readonly TransitionRecord[]): Promise<void> {
  if (!events.length) return;
  const at = meta.at ?? null;
  const params = events.flatMap((e) => [meta.tenantId, e.entityType, e.entityId, e.event, e.fromStatus, e.toStatus, meta.actorId, e.reason ?? null, e.data ? JSON.stringify(e.data) : null, meta.taskId, at]);
  await db.sql(`insert into entity_event (${COLUMNS}) values ${events.map(() => ROW).join(', ')}`, params);
}

/**
 * A `Recorder` for code that runs outside a task (the web process): `fire()`
 * records into it, and `flush` writes what it holds through `recordEvents`, in
 * the caller's transaction.
 */
export class EventBuffer implements Recorder {
  private readonly events: TransitionRecord[] = [];

  record(event: TransitionRecord): void {
    this.events.push(event);
  }

  /** `db` that records into this buffer: for services that take one context for both (`Db & Recorder`, as a worker's `ctx` is). */
  on(db: Db): Db & Recorder {
    return { em: db.em, sql: <T>(text: string, params?: unknown[]) => db.sql<T>(text, params), record: (event) => this.record(event) };
  }

  flush(db: Db, meta: EventMeta): Promise<void> {
    return recordEvents(db, meta, this.events.splice(0));
  }
}
