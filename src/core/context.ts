import type { EntityManager } from '@mikro-orm/core';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Actor, Level, Role } from './roles.js';
import type { TransitionRecord } from './state-machine.js';

/** An email as a domain hands it over (`ctx.mail`); the mail adapter sends it. */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** A stable Message-ID (`<…@host>`), so a resend after a crash is recognisable as the same message. */
  messageId: string;
}

/**
 * The database as a domain sees it: the ORM's entity manager and raw SQL
 * (`?` placeholders) on the same connection and transaction. Domains never
 * open connections or import the database adapter; they get one of these.
 */
export interface Db {
  em: EntityManager;
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
}

/** Whom a notice goes to: named users, or every user of a role (at or above a level) in the tenant. */
export type NotifyTarget = { userIds: number[] } | { role: Role; minLevel?: Level };

export interface EnqueueOptions {
  /** Run no earlier than this many ms from now (a BullMQ delayed job). */
  delayMs?: number;
  /** Idempotency key: a second enqueue with the same key in the tenant is a no-op. */
  key?: string;
}

/**
 * What a worker-run handler gets. Everything it touches goes through here, inside
 * the one transaction that also records the task's result: the ORM's entity
 * manager, raw SQL on the same transaction, the event log, follow-up actions,
 * notices to other users, and the clock.
 */
export interface ActionContext extends Db {
  actor: Actor;
  tenantId: number;
  taskId: number;
  log: Logger;
  config: Config;
  now(): Date;
  /** Appends a history row; called by `transition()`, not by handlers directly. */
  record(event: TransitionRecord): void;
  /** Queues another action in the same transaction (it runs only if this one commits). */
  enqueue(action: string, input: unknown, options?: EnqueueOptions): void;
  notify(target: NotifyTarget, notice: Record<string, unknown>): void;
  /**
   * Sends an email as the very last step of this task's transaction: after the
   * handler, its effects and the task's result are written, just before COMMIT,
   * so that only a crash during that one COMMIT can send it twice (with the same
   * Message-ID). A send failure rolls the whole task back; SMTP down is
   * UNAVAILABLE and retried. Mail-queue handlers only, and they should take no
   * shared lock: the transaction stays open while SMTP answers.
   */
  mail(message: OutgoingMail): void;
  /**
   * Runs `fn` once this task's transaction has committed, with no transaction
   * open (an outbound HTTP call). It cannot change this task's result; what it
   * learns it records through `later.enqueue` (a new system task of the
   * tenant, in a transaction of its own). A crash between COMMIT and `fn` loses
   * the call: pair it with a timer that notices the missing outcome.
   */
  afterCommit(fn: (later: AfterCommitPort) => Promise<void>): void;
}

/** What an `afterCommit` callback may do once its task has committed. */
export interface AfterCommitPort {
  enqueue(action: string, input: unknown, options?: EnqueueOptions): Promise<void>;
}

/** What an inline action (answered by the web process itself) gets. */
export interface InlineContext extends Db {
  actor: Actor | null;
  /** The caller's raw session token, when it sent one (logout needs it). */
  token: string | null;
  config: Config;
  log: Logger;
  now(): Date;
  /** Runs `fn` in one transaction; `em`/`sql` above are outside it. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  web: WebPorts;
}

/**
 * What only the web process has, for inline actions: limits on repeated
 * attempts from the caller's address, and the pipeline's task reads.
 */
export interface WebPorts {
  /**
   * Failed attempts counted per caller IP + `subject` and per `subject` (a
   * login name): `check` refuses with 429 RATE_LIMITED past the limit.
   */
  attempts: {
    check(subject: string): Promise<void>;
    failed(subject: string): Promise<void>;
    succeeded(subject: string): Promise<void>;
  };
  tasks: {
    /** A task's status and result, to its owner (and admins): NOT_FOUND to anyone else. */
    get(actor: Actor, id: number): Promise<Record<string, unknown>>;
    /** Cancels a task that is still queued; CONFLICT once it runs. */
    cancel(actor: Actor, id: number): Promise<Record<string, unknown>>;
  };
  sessions: {
    /**
     * Tells every web process that the user's sessions ended (disabled, or a
     * password changed): their open websockets are closed, except the one
     * opened with `keepToken`. Call it after the commit that revoked them;
     * HTTP needs no telling, since every request checks its session.
     */
    ended(userId: number, opts: { reason: string; keepToken?: string | null }): Promise<void>;
  };
}
