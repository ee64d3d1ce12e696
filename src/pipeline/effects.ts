import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { ActionContext, AfterCommitPort, EnqueueOptions, NotifyTarget } from '../core/context.js';
import { AppError } from '../core/errors.js';
import type { Actor } from '../core/roles.js';
import type { TransitionRecord } from '../core/state-machine.js';
import { dbOf, sql } from '../infra/db.js';
import { recordEvents } from '../domains/audit/record.js';
import type { Dispatch } from '../infra/queue.js';
import type { Mailer, OutgoingMail } from '../infra/mailer.js';
import type { Registry } from '../core/registry.js';
import { appendFeed, type FeedEntry } from './feed-entries.js';
import { taskSql } from './task-sql.js';

/**
 * What a handler asked for besides its own writes: history rows, follow-up
 * actions, notices. Collected during the handler, written by `persist()` in the
 * same transaction, and acted on (numbered and published, dispatched) only after commit.
 */
export class Effects {
  readonly events: TransitionRecord[] = [];
  readonly enqueued: { action: string; input: unknown; options: EnqueueOptions }[] = [];
  readonly notices: { target: NotifyTarget; notice: Record<string, unknown> }[] = [];
  readonly mails: OutgoingMail[] = [];
  readonly afterCommit: ((later: AfterCommitPort) => Promise<void>)[] = [];

  /** Hands the task's emails to the mailer: the last thing before COMMIT (see `ActionContext.mail`). */
  async sendMail(mailer: Mailer | undefined): Promise<void> {
    if (!this.mails.length) return;
    if (!mailer) throw new AppError('INTERNAL', 'This process has no mailer; mail is sent by the mail workers.');
    for (const m of this.mails) await mailer.send(m);
  }

  /** Writes the collected effects in `em`'s transaction; returns the users whose feeds got entries (to number after COMMIT) and the jobs to dispatch. */
  async persist(em: EntityManager, meta: { tenantId: number; actorId: number | null; taskId: number; queueOf: (action: string) => string }): Promise<{ feedUsers: number[]; dispatches: Dispatch[] }> {
    await recordEvents(dbOf(em), meta, this.events);
    const dispatches: Dispatch[] = [];
    for (const e of this.enqueued) {
      const queue = meta.queueOf(e.action);
      const runAt = e.options.delayMs ? new Date(Date.now() + e.options.delayMs) : null;
      const rows = await sql<{ id: number }>(
        em,
        `with t as (
           insert into task (tenant_id, actor_id, action, queue, input, status, idem_key, run_at)
           values (?, null, ?, ?, ?::jsonb, ${taskSql.submit.to}, ?, ?)
           on conflict (tenant_id, idem_key) where idem_key is not null and actor_id is null do nothing
           returning id
         ), o as (insert into outbox (task_id, queue, run_at) select id, ?, ? from t)
         select id from t`,
        [meta.tenantId, e.action, queue, JSON.stringify(e.input), e.options.key ?? null, runAt, queue, runAt],
      );
      if (rows[0]) dispatches.push({ taskId: rows[0].id, queue, runAt });
    }
    const feed: FeedEntry[] = [];
    for (const n of this.notices) {
      const ids =
        'userIds' in n.target
          ? n.target.userIds
          : (await sql<{ id: number }>(em, `select id from app_user where tenant_id = ? and role = ? and level >= ? and status = 'active'`, [meta.tenantId, n.target.role, n.target.minLevel ?? 1])).map((r) => r.id);
      for (const userId of new Set(ids)) feed.push({ userId, taskId: meta.taskId, body: { type: 'notice', notice: n.notice } });
    }
    return { feedUsers: await appendFeed(em, meta.tenantId, feed), dispatches };
  }
}

export function buildContext(opts: { em: EntityManager; actor: Actor; taskId: number; log: Logger; config: Config; now: () => Date; registry: Registry; effects: Effects }): ActionContext {
  const { em, actor, effects, registry } = opts;
  return {
    em,
    actor,
    tenantId: actor.tenantId,
    taskId: opts.taskId,
    log: opts.log,
    config: opts.config,
    now: opts.now,
    sql: (text, params) => sql(em, text, params),
    record: (event) => effects.events.push(event),
    enqueue(action, input, options = {}) {
      const def = registry.get(action);
      if (!def || def.mode !== 'queued') throw new AppError('INTERNAL', `enqueue of unknown action ${action}`);
      const parsed = def.input.safeParse(input);
      if (!parsed.success) throw new AppError('INTERNAL', `enqueue of ${action} with bad input`);
      effects.enqueued.push({ action, input, options });
    },
    notify: (target, notice) => effects.notices.push({ target, notice }),
    mail: (message) => effects.mails.push(message),
    afterCommit: (fn) => effects.afterCommit.push(fn),
  };
}
