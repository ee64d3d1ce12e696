import type { ActionContext } from '../../core/context.js';
import { AppError } from '../../core/errors.js';
import type { ITaskInstance } from './entities.js';

/** The role that submits tickets; the only one whose view of ticket types is limited by company roles. */
export const USER = 'user';

/** The user whose company roles limit what the caller sees of ticket types (undefined: sees them all). */
export function submitterScope(ctx: ActionContext): number | undefined {
  return ctx.actor.kind === 'user' && ctx.actor.role === USER ? ctx.actor.id : undefined;
}

/** The calling user's id (actions of people, never timers). */
export function me(ctx: ActionContext): number {
  if (ctx.actor.kind !== 'user') throw new AppError('FORBIDDEN', 'Only a signed-in user may do this.');
  return ctx.actor.id;
}

/** A FORM task the caller works: assigned to them (TAKEN_BY_OTHER otherwise). */
export function assertAssignee(ctx: ActionContext, ti: ITaskInstance): void {
  const id = me(ctx);
  if (ti.assignedTo !== id) throw new AppError('TAKEN_BY_OTHER', ti.assignedTo == null ? `Task instance ${ti.id} is not assigned to anyone yet.` : `Task instance ${ti.id} is assigned to another worker.`, { assignedTo: ti.assignedTo ?? null });
}
