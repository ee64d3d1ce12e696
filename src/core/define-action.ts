import { z } from 'zod';
import type { ActionContext, InlineContext } from './context.js';
import type { Config } from '../config.js';
import type { Actor, Role } from './roles.js';

/**
 * A worker kind: one BullMQ queue and one Procfile line. Domains declare theirs
 * in their manifest; the core knows none by name.
 */
export type WorkerKind = string;

/**
 * The kind of row an id in `data` points at: a name the authorization matrix
 * (`test/authz/`) has a fixture factory for ('customer', 'document', 'task',
 * 'invitation', ...), or `{ kindFrom: 'type' }` when the kind is the value of
 * another `data` field (`get_task`'s `type`: 'document' | 'transfer' | 'inquiry').
 */
export type IdKind = string | { kindFrom: string };

/**
 * Whose rows of the caller's tenant the caller may name (a row of ANOTHER tenant
 * is always 404 NOT_FOUND, whatever the rule; a role the rule shuts out, 403
 * FORBIDDEN whatever the id, since that answer says nothing about the row):
 * - `tenant`: any row of the tenant (reading a customer or an item, creating
 *   an item for any customer).
 * - `owner`: only rows the caller owns (its own tasks); another user's row is
 *   404 NOT_FOUND, as if it did not exist, except to the roles in `anyOwner`.
 * - `worker`: rows the caller may work: the caller's role must be one of
 *   `workers[kind]` (else 403 FORBIDDEN), and a row taken by another user is
 *   409 TAKEN_BY_OTHER (roles in `anyWorker` skip both checks).
 */
export type OwnershipRule = 'tenant' | 'owner' | 'worker';

/**
 * The expected outcome of this action for every role x own/other tenant x
 * own/another user's ids: required on every action, so that a new action states
 * it and the authorization matrix (`test/authz/matrix.test.ts`, generated from
 * the registry at run time) checks it without being edited. `roles` says who may
 * submit at all (403 FORBIDDEN at once for anyone else); `access` says what
 * happens to those who may.
 *
 * Examples:
 * - no ids (create_customer, list_queue, login): `{ ids: {}, owner: 'tenant' }`
 * - a customer or item of the tenant: `{ ids: { id: 'customer' }, owner: 'tenant' }`
 * - the caller's own task, or any to an admin: `{ ids: { id: 'task' }, owner: 'owner', anyOwner: ['admin'] }`
 * - an item to work: `{ ids: { id: 'document' }, owner: 'worker', workers: { document: ['compliance'] } }`
 */
export interface Access {
  /** `data` field (top level) -> the kind of row the id in it names; `{}` when the action takes no id. */
  ids: Readonly<Record<string, IdKind>>;
  owner: OwnershipRule;
  /** `owner` rule: roles that may also use other users' rows of their tenant (admins read every task). */
  anyOwner?: readonly Role[];
  /** `worker` rule: kind -> roles that work rows of that kind. */
  workers?: Readonly<Record<string, readonly Role[]>>;
  /** `worker` rule: roles that may act on any row of the tenant, whoever works it (admins escalate). */
  anyWorker?: readonly Role[];
}

interface ActionBase<S extends z.ZodType> {
  /** Wire name, snake_case verb_noun. */
  name: string;
  summary: string;
  /**
   * Roles allowed to submit it; `public` = no token needed (login). In a
   * definition, `signed-in` = every role of every domain (reading one's own
   * task, logging out); the registry expands it to that list, so a built
   * registry only ever holds a role list or `public`.
   */
  roles: readonly Role[] | 'public' | 'signed-in';
  /** Required: the authorization rule for the ids it takes (see `Access`). */
  access: Access;
  input: S;
  /** A valid `data` for the docs, the console placeholder and the contract test. */
  example: z.input<S>;
  /**
   * The id kind (`access.ids` vocabulary) of the row this action creates, whose
   * id is its result's `id` (`create_customer` -> `customer`): the sequence log
   * names the rows a sequence made `<customer:n>`.
   */
  creates?: string;
  /**
   * Top-level `data` fields that name a role (`invite_user`'s `role`): the
   * registry makes each an enum of every domain's roles, so an unknown role is
   * a 400 at the door and the catalogue lists the choices.
   */
  roleFields?: readonly string[];
  /**
   * Optional flood limit, counted per tenant or per user on the shared rate-limit
   * store when a valid request is accepted: past it the caller gets 429
   * RATE_LIMITED with Retry-After, and nothing is written.
   */
  rateLimit?: ActionRateLimit;
}

export interface ActionRateLimit {
  per: 'tenant' | 'user';
  /** Requests allowed per window, read from config (0 = no limit). */
  points: (config: Config) => number;
  windowMs: number;
}

/** An action run asynchronously on a worker: answered 202 and pushed over the websocket. */
export interface QueuedAction<S extends z.ZodType = z.ZodType, R = unknown> extends ActionBase<S> {
  mode: 'queued';
  /** The worker kind that runs it; `caller` = the queue of the caller's role (reads everyone may do). */
  worker: WorkerKind | 'caller';
  /** Only the system may enqueue it (timers); over HTTP it is an unknown action. */
  internal?: boolean;
  /**
   * Its tasks may share one transaction (one COMMIT) with other batchable tasks
   * that start at the same moment on the same worker (pipeline/task-batch.ts):
   * for short handlers that write a few rows and send no mail. The batch's
   * handlers run side by side, and the `ctx.sql` statements they send at the
   * same moment go to PostgreSQL as one message: a handler may not count on
   * seeing a batch neighbour's writes (as it may not count on another worker's;
   * what must hold across tasks, a constraint or a lock holds). Anything that
   * goes wrong in a batch rolls the whole batch back and runs each task alone,
   * the ordinary way, so a batchable action behaves as any other.
   */
  batch?: boolean;
  handler(input: z.output<S>, ctx: ActionContext): Promise<R>;
}

/** An action the web process answers itself at once (login, logout, cancel_task). */
export interface InlineAction<S extends z.ZodType = z.ZodType, R = unknown> extends ActionBase<S> {
  mode: 'inline';
  handler(input: z.output<S>, ctx: InlineContext): Promise<R>;
}

export type ActionDefinition = QueuedAction<z.ZodType, unknown> | InlineAction<z.ZodType, unknown>;

/** An action as the registry holds it: `signed-in` expanded to every role. */
export type RegisteredAction = ActionDefinition & { roles: readonly Role[] | 'public' };

// The wire name stays a literal type (`N`), so the typed client (`src/client/actions.ts`) derives each action's data and result from the domains.
export function defineAction<const N extends string, S extends z.ZodType, R>(def: Omit<QueuedAction<S, R>, 'mode'> & { name: N }): QueuedAction<S, R> & { name: N } {
  return { ...def, mode: 'queued' };
}

export function defineInlineAction<const N extends string, S extends z.ZodType, R>(def: Omit<InlineAction<S, R>, 'mode'> & { name: N }): InlineAction<S, R> & { name: N } {
  return { ...def, mode: 'inline' };
}

export function mayRun(action: ActionDefinition, actor: Actor | null): boolean {
  if (action.roles === 'public') return true;
  if (!actor) return false;
  if (actor.kind === 'system') return true;
  return action.roles === 'signed-in' || action.roles.includes(actor.role);
}
