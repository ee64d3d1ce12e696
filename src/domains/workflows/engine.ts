import { LockMode } from '@mikro-orm/core';
import type { ActionContext } from '../../core/context.js';
import { AppError, type ErrorCode } from '../../core/errors.js';
import { fire } from '../../core/state-machine.js';
import { loadTaskDef, type TaskDefRow } from './definitions.js';
import { TaskInstance, TicketInstance, WorkflowInstance, type ITaskInstance, type IWorkflowInstance } from './entities.js';
import { holds, transform } from './logic.js';
import { OPEN_TASK, taskInstanceMachine, workflowInstanceMachine } from './machines.js';

/**
 * Running tickets: a workflow instance enters tasks, FORM tasks go to a task
 * worker, action tasks go to the `callouts` queue, and a completed task routes
 * the workflow along the highest-priority transition whose condition holds.
 * Every lock goes workflow instance first, then task instance.
 */

/** Role names of this domain that the engine addresses. */
export const TASK_WORKER = 'task_worker';
export const TICKET_ADMIN = 'ticket_admin';

/** A workflow instance of the tenant, row-locked, or 404. */
export async function lockWorkflow(ctx: ActionContext, id: number): Promise<IWorkflowInstance> {
  const wi = await ctx.em.findOne(WorkflowInstance, { id, tenantId: ctx.tenantId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!wi) throw new AppError('NOT_FOUND', `No workflow instance ${id}.`);
  return wi;
}

/** A task instance of the tenant and its workflow instance, both row-locked (workflow first), or 404. */
export async function lockTask(ctx: ActionContext, id: number): Promise<{ ti: ITaskInstance; wi: IWorkflowInstance }> {
  const [row] = await ctx.sql<{ workflow_instance_id: number }>('select workflow_instance_id from task_instance where id = ? and tenant_id = ?', [id, ctx.tenantId]);
  if (!row) throw new AppError('NOT_FOUND', `No task instance ${id}.`);
  const wi = await lockWorkflow(ctx, row.workflow_instance_id);
  const ti = await ctx.em.findOneOrFail(TaskInstance, { id, tenantId: ctx.tenantId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  return { ti, wi };
}

async function submitterOf(ctx: ActionContext, wi: IWorkflowInstance): Promise<{ ticketId: number; createdBy: number | null }> {
  const [t] = await ctx.sql<{ id: number; created_by: number | null }>('select id, created_by from ticket_instance where workflow_instance_id = ?', [wi.id]);
  return { ticketId: t!.id, createdBy: t!.created_by };
}

/** Tells the ticket's submitter how its workflow moved. */
async function progress(ctx: ActionContext, wi: IWorkflowInstance, what: string, extra: Record<string, unknown> = {}): Promise<void> {
  const { ticketId, createdBy } = await submitterOf(ctx, wi);
  if (createdBy !== null) ctx.notify({ userIds: [createdBy] }, { type: `ticket.${what}`, item: { type: 'ticket_instance', id: ticketId }, status: wi.status, ...extra });
}

/** Creates the ticket, its workflow instance (of the workflow version `workflowId`) and its first task, in the caller's transaction. */
export async function startTicket(ctx: ActionContext, ticketDefinitionId: number, workflowId: number, data: Record<string, unknown>, createdBy: number | null): Promise<number> {
  const [start] = await ctx.sql<{ id: number }>('select id from task_definition where workflow_definition_id = ? and is_start', [workflowId]);
  if (!start) throw new AppError('CONFLICT', `Workflow ${workflowId} has no start task.`);
  const wi = ctx.em.create(WorkflowInstance, { tenantId: ctx.tenantId, workflowDefinitionId: workflowId, data, status: workflowInstanceMachine.events.create.to });
  await ctx.em.flush();
  fire(ctx, workflowInstanceMachine, wi, 'create', { data: { workflowDefinitionId: workflowId } });
  const ticket = ctx.em.create(TicketInstance, { tenantId: ctx.tenantId, ticketDefinitionId, workflowInstanceId: wi.id, data, createdBy });
  fire(ctx, workflowInstanceMachine, wi, 'start');
  await ctx.em.flush();
  await enterTask(ctx, wi, await loadTaskDef(ctx, ctx.tenantId, start.id));
  return ticket.id;
}

/** Makes `def` the workflow's current task: a new task instance, handed to a worker (FORM) or to the callouts queue (actions). */
export async function enterTask(ctx: ActionContext, wi: IWorkflowInstance, def: TaskDefRow): Promise<ITaskInstance> {
  wi.currentTaskId = def.id;
  const ti = ctx.em.create(TaskInstance, { tenantId: ctx.tenantId, workflowInstanceId: wi.id, taskDefinitionId: def.id, status: taskInstanceMachine.events.create.to, attempt: 1 });
  await ctx.em.flush();
  fire(ctx, taskInstanceMachine, ti, 'create', { data: { task: def.task_key, taskType: def.task_type } });
  await progress(ctx, wi, 'task_started', { task: def.task_key });
  await dispatch(ctx, wi, ti, def);
  return ti;
}

/** Sends a PENDING task on its way: its input, then a worker (FORM) or the callouts queue. */
export async function dispatch(ctx: ActionContext, wi: IWorkflowInstance, ti: ITaskInstance, def: TaskDefRow): Promise<void> {
  try {
    ti.inputData = await transform(def.input_transform, wi.data);
  } catch (err) {
    return failTask(ctx, wi, ti, 'CALLOUT_FAILED', `The input transform failed: ${(err as Error).message}`);
  }
  if (def.task_type === 'FORM') {
    await ctx.em.flush();
    await assignTask(ctx, ti);
    return;
  }
  ctx.enqueue('start_action_task', { task_instance_id: ti.id, attempt: ti.attempt }, { key: `wf-start:${ti.id}:${ti.attempt}` });
}

/**
 * Gives a FORM task to the company's available task worker with the shortest
 * open list (ties: the least recently assigned, then the lowest id), or to
 * `to`. A per-company advisory lock, held until commit, makes concurrent
 * assignments take turns, so each one counts the lists the previous ones left.
 * Returns false (the task stays PENDING, unassigned) when no one is available.
 */
export async function assignTask(ctx: ActionContext, ti: ITaskInstance, opts: { to?: number; exclude?: number } = {}): Promise<boolean> {
  await lockAssignments(ctx);
  let userId = opts.to;
  if (userId === undefined) {
    const [pick] = await ctx.sql<{ user_id: number }>(
      `select a.user_id from worker_availability a join app_user u on u.id = a.user_id
        where a.tenant_id = ? and a.available and u.status = 'active' and u.role = ? and (?::int is null or a.user_id <> ?)
        order by (select count(*) from task_instance t where t.assigned_to = a.user_id and t.status = any(?::text[])), a.last_assigned_at nulls first, a.user_id
        limit 1`,
      [ctx.tenantId, TASK_WORKER, opts.exclude ?? null, opts.exclude ?? null, OPEN_TASK],
    );
    if (!pick) return false;
    userId = pick.user_id;
  }
  const from = ti.assignedTo ?? null;
  fire(ctx, taskInstanceMachine, ti, 'assign', { data: { from, to: userId } });
  ti.assignedTo = userId;
  ti.assignedAt = ctx.now();
  await ctx.em.flush();
  await ctx.sql(
    `insert into worker_availability (user_id, tenant_id, available, last_assigned_at) values (?, ?, false, ?)
     on conflict (user_id) do update set last_assigned_at = excluded.last_assigned_at`,
    [userId, ctx.tenantId, ctx.now()],
  );
  ctx.notify({ userIds: [userId] }, { type: 'workflow_task.assigned', item: { type: 'task_instance', id: ti.id } });
  if (from !== null && from !== userId) ctx.notify({ userIds: [from] }, { type: 'workflow_task.unassigned', item: { type: 'task_instance', id: ti.id } });
  return true;
}

/** The company's assignment lock, held until commit (re-entrant within the transaction). */
export async function lockAssignments(ctx: ActionContext): Promise<void> {
  await ctx.sql('select pg_advisory_xact_lock(hashtext(?), ?)', ['workflows.assign', ctx.tenantId]);
}

/**
 * Assigns the company's waiting FORM tasks, oldest first, while someone is
 * available. The assignment lock comes first; a workflow another transaction
 * holds is skipped (that transaction is acting on its one live task), so this
 * never waits on a row while holding the lock.
 */
export async function assignWaiting(ctx: ActionContext): Promise<number> {
  await lockAssignments(ctx);
  const waiting = await ctx.sql<{ id: number; workflow_instance_id: number }>(
    `select ti.id, ti.workflow_instance_id from task_instance ti join task_definition td on td.id = ti.task_definition_id join workflow_instance wi on wi.id = ti.workflow_instance_id
      where ti.tenant_id = ? and ti.status = ? and ti.assigned_to is null and td.task_type = 'FORM' and wi.status = ? order by ti.id limit 100`,
    [ctx.tenantId, taskInstanceMachine.events.create.to, workflowInstanceMachine.events.start.to],
  );
  let assigned = 0;
  for (const w of waiting) {
    const [free] = await ctx.sql('select id from workflow_instance where id = ? for update skip locked', [w.workflow_instance_id]);
    if (!free) continue;
    const { ti } = await lockTask(ctx, w.id);
    if (ti.status !== taskInstanceMachine.events.create.to || ti.assignedTo != null) continue;
    if (!(await assignTask(ctx, ti))) break;
    assigned++;
  }
  return assigned;
}

/** Completes a task with its output, merges the output into the workflow data and routes the workflow on. */
export async function completeTask(ctx: ActionContext, wi: IWorkflowInstance, ti: ITaskInstance, output: unknown): Promise<void> {
  fire(ctx, taskInstanceMachine, ti, 'complete');
  ti.outputData = output;
  ti.completedAt = ctx.now();
  if (output !== null && typeof output === 'object' && !Array.isArray(output)) wi.data = { ...wi.data, ...(output as Record<string, unknown>) };
  await ctx.em.flush();
  await route(ctx, wi, ti.taskDefinitionId);
}

/**
 * After task `fromTaskId` completed: the transition with the highest priority
 * (ties: lowest id) whose JSON Logic condition holds on the workflow data
 * enters its task; no outgoing transition completes the workflow; outgoing
 * transitions of which none holds put it ON_HOLD, with the reason.
 */
export async function route(ctx: ActionContext, wi: IWorkflowInstance, fromTaskId: number): Promise<void> {
  const transitions = await ctx.sql<{ id: number; to_task_id: number; condition: unknown; priority: number }>(
    'select id, to_task_id, condition, priority from transition where from_task_id = ? order by priority desc, id asc',
    [fromTaskId],
  );
  const from = await loadTaskDef(ctx, ctx.tenantId, fromTaskId);
  if (!transitions.length) {
    fire(ctx, workflowInstanceMachine, wi, 'complete', { reason: `${from.task_key} has no outgoing transition` });
    await progress(ctx, wi, 'completed');
    return;
  }
  for (const tr of transitions) {
    let ok: boolean;
    try {
      ok = holds(tr.condition, wi.data);
    } catch {
      ok = false;
    }
    if (ok) {
      const to = await loadTaskDef(ctx, ctx.tenantId, tr.to_task_id);
      await enterTask(ctx, wi, to);
      return;
    }
  }
  const reason = `No condition of the ${transitions.length} transition(s) from ${from.task_key} holds on the workflow data.`;
  fire(ctx, workflowInstanceMachine, wi, 'hold', { reason, data: { task: from.task_key, transitions: transitions.map((t) => ({ id: t.id, condition: t.condition, priority: t.priority })) } });
  wi.holdReason = reason;
  ctx.notify({ role: TICKET_ADMIN }, { type: 'ticket.on_hold', item: { type: 'workflow_instance', id: wi.id }, reason });
  await progress(ctx, wi, 'on_hold', { reason });
}

/** A task in ERROR: domain state with the error recorded; ticket admins are told and may retry it. */
export async function failTask(ctx: ActionContext, wi: IWorkflowInstance, ti: ITaskInstance, code: ErrorCode, message: string, details?: Record<string, unknown>): Promise<void> {
  fire(ctx, taskInstanceMachine, ti, 'fail', { reason: message, data: { code, ...(details ? { details } : {}) } });
  ti.error = { code, message, ...(details ? { details } : {}) };
  ti.completedAt = ctx.now();
  await ctx.em.flush();
  await expireCallbacks(ctx, ti.id);
  ctx.notify({ role: TICKET_ADMIN }, { type: 'workflow_task.error', item: { type: 'task_instance', id: ti.id }, code });
  await progress(ctx, wi, 'task_error', { taskId: ti.id, code });
}

/** No callback of this task may be used any more. */
export async function expireCallbacks(ctx: ActionContext, taskInstanceId: number): Promise<void> {
  await ctx.sql('update workflow_callback set expires_at = least(expires_at, ?) where task_instance_id = ? and used_at is null', [ctx.now(), taskInstanceId]);
}

/** Cancels a workflow and every live task of it. */
export async function cancelWorkflow(ctx: ActionContext, wi: IWorkflowInstance, reason?: string): Promise<void> {
  fire(ctx, workflowInstanceMachine, wi, 'cancel', { reason });
  const live = await ctx.em.find(TaskInstance, { workflowInstanceId: wi.id, tenantId: ctx.tenantId, status: { $in: ['PENDING', 'OPEN', 'IN_PROGRESS', 'ERROR'] } }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  for (const ti of live) {
    fire(ctx, taskInstanceMachine, ti, 'cancel', { reason: 'the ticket was cancelled' });
    ti.completedAt = ctx.now();
    await expireCallbacks(ctx, ti.id);
    if (ti.assignedTo != null) ctx.notify({ userIds: [ti.assignedTo] }, { type: 'workflow_task.cancelled', item: { type: 'task_instance', id: ti.id } });
  }
  await ctx.em.flush();
  await progress(ctx, wi, 'cancelled');
}
