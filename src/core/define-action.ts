import { z } from 'zod';
import type { ActionContext, InlineContext } from './context.js';
import type { Actor, Role } from './roles.js';

/** Worker kinds, one BullMQ queue and one Procfile line each. */
export const WORKER_KINDS = ['admin', 'compliance', 'service', 'system', 'mail'] as const;
export type WorkerKind = (typeof WORKER_KINDS)[number];

interface ActionBase<S extends z.ZodType> {
  /** Wire name, snake_case verb_noun. */
  name: string;
  summary: string;
  /** Roles allowed to submit it; `public` = no token needed (login). */
  roles: readonly Role[] | 'public';
  input: S;
  /** A valid `data` for the docs, the console placeholder and the contract test. */
  example: z.input<S>;
}

/** An action run asynchronously on a worker: answered 202 and pushed over the websocket. */
export interface QueuedAction<S extends z.ZodType = z.ZodType, R = unknown> extends ActionBase<S> {
  mode: 'queued';
  /** The worker kind that runs it; `caller` = the queue of the caller's role (reads everyone may do). */
  worker: WorkerKind | 'caller';
  /** Only the system may enqueue it (timers); over HTTP it is an unknown action. */
  internal?: boolean;
  handler(input: z.output<S>, ctx: ActionContext): Promise<R>;
}

/** An action the web process answers itself at once (login, logout, cancel_task). */
export interface InlineAction<S extends z.ZodType = z.ZodType, R = unknown> extends ActionBase<S> {
  mode: 'inline';
  handler(input: z.output<S>, ctx: InlineContext): Promise<R>;
}

export type ActionDefinition = QueuedAction<z.ZodType, unknown> | InlineAction<z.ZodType, unknown>;

export function defineAction<S extends z.ZodType, R>(def: Omit<QueuedAction<S, R>, 'mode'>): QueuedAction<S, R> {
  return { ...def, mode: 'queued' };
}

export function defineInlineAction<S extends z.ZodType, R>(def: Omit<InlineAction<S, R>, 'mode'>): InlineAction<S, R> {
  return { ...def, mode: 'inline' };
}

export function mayRun(action: ActionDefinition, actor: Actor | null): boolean {
  if (action.roles === 'public') return true;
  if (!actor) return false;
  if (actor.kind === 'system') return true;
  return action.roles.includes(actor.role);
}
