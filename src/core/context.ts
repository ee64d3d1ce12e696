import type { EntityManager } from '@mikro-orm/core';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { OutgoingMail } from '../infra/mailer.js';
import type { Actor, Level, Role } from './roles.js';
import type { TransitionRecord } from './state-machine.js';

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
export interface ActionContext {
  em: EntityManager;
  actor: Actor;
  tenantId: number;
  taskId: number;
  log: Logger;
  config: Config;
  now(): Date;
  /** Raw SQL (`?` placeholders) on the handler's transaction. */
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
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
   * shared lock (no `notify`: a feed entry locks the user's feed counter until
   * COMMIT, which here waits for SMTP).
   */
  mail(message: OutgoingMail): void;
}

/** What an inline action (answered by the web process itself) gets. */
export interface InlineContext {
  em: EntityManager;
  actor: Actor | null;
  /** The caller's raw session token, when it sent one (logout needs it). */
  token: string | null;
  config: Config;
  log: Logger;
  now(): Date;
  services: InlineServices;
}

/** Web-side services inline actions use; built once by the web process. */
export interface InlineServices {
  login(name: string, password: string, tenant?: string): Promise<{ token: string; expiresAt: string; user: Record<string, unknown> }>;
  logout(token: string): Promise<void>;
  getTask(actor: Actor, id: number): Promise<Record<string, unknown>>;
  cancelTask(actor: Actor, id: number): Promise<Record<string, unknown>>;
  /** Registers an invited user (invitations domain): one transaction, returns a session like login. */
  acceptInvitation(token: string, input: { firstName: string; lastName: string; password: string }): Promise<{ token: string; expiresAt: string; user: Record<string, unknown>; invitationId: number }>;
}
