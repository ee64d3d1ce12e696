import type { ActionContext } from '../../core/context.js';
import { AppError } from '../../core/errors.js';
import { fire, type Machine } from '../../core/state-machine.js';
import { GuestTask, TaskGroup, type IGuestTask, type ITaskGroup } from './entities.js';
import { guestTaskMachine, MORE_INFO, taskGroupMachine, type Status } from './machines.js';
import { apply, derive, OP_EVENT, type GroupState, type Op } from './unlock.js';

/** A guest or host as the actions see them. */
export interface Person {
  userId: number;
  role: 'guest' | 'host';
  coordinatorId: number;
  dashboardId: number;
  email: string;
  name: string;
}

const isPersonRole = (role: string): role is 'guest' | 'host' => role === 'guest' || role === 'host';

/**
 * Who sees a person: the person themself, their coordinator and the provider's
 * admin. Anyone else (another guest, another coordinator's guest, another
 * tenant's id) gets NOT_FOUND, as if the person did not exist.
 */
function sees(ctx: ActionContext, p: { userId: number; coordinatorId: number }): boolean {
  const a = ctx.actor;
  if (a.kind === 'system') return true;
  if (a.role === 'admin') return true;
  if (a.role === 'coordinator') return p.coordinatorId === a.id;
  return p.userId === a.id;
}

/** A person of the caller's tenant the caller sees, row-locked for the task's transaction (one person's actions run one at a time). */
export async function loadPerson(ctx: ActionContext, userId: number): Promise<Person> {
  const [row] = await ctx.sql<{ user_id: number; role: 'guest' | 'host'; coordinator_id: number; dashboard_id: number; email: string; name: string }>(
    `select p.user_id, p.role, p.coordinator_id, p.dashboard_id, u.email, coalesce(nullif(trim(concat_ws(' ', u.first_name, u.last_name)), ''), u.email) as name
       from guest_profile p join app_user u on u.id = p.user_id where p.user_id = ? and p.tenant_id = ? for update of p`,
    [userId, ctx.tenantId],
  );
  const person = row && { userId: row.user_id, role: row.role, coordinatorId: row.coordinator_id, dashboardId: row.dashboard_id, email: row.email, name: row.name };
  if (!person || !sees(ctx, person)) throw new AppError('NOT_FOUND', `No guest ${userId}.`);
  return person;
}

/** The person `guest_id` names, or the caller when they are a guest or host and name no one. */
export function personFor(ctx: ActionContext, guestId: number | undefined): Promise<Person> {
  if (guestId !== undefined) return loadPerson(ctx, guestId);
  if (ctx.actor.kind === 'user' && isPersonRole(ctx.actor.role)) return loadPerson(ctx, ctx.actor.id);
  const message = 'Say whose dashboard: guest_id.';
  throw new AppError('VALIDATION_FAILED', message, { issues: [{ path: 'guest_id', message, code: 'invalid_type' }] });
}

/** A person's task of the caller's tenant, with its person and its dashboard version; NOT_FOUND unless the caller sees the person. */
export async function loadTask(ctx: ActionContext, taskId: number): Promise<{ person: Person; dashboardId: number; definitionId: number }> {
  const [row] = await ctx.sql<{ user_id: number; dashboard_id: number; definition_id: number }>(
    `select gt.user_id, gd.dashboard_id, gt.definition_id from guest_task gt join task_group tg on tg.id = gt.group_id
       join task_group_definition gd on gd.id = tg.definition_id where gt.id = ? and gt.tenant_id = ?`,
    [taskId, ctx.tenantId],
  );
  if (!row) throw new AppError('NOT_FOUND', `No guest task ${taskId}.`);
  const person = await loadPerson(ctx, row.user_id).catch((err: unknown) => {
    throw err instanceof AppError && err.code === 'NOT_FOUND' ? new AppError('NOT_FOUND', `No guest task ${taskId}.`) : err;
  });
  // A task of a version the person has left (delete_guest_progress moved them on) is no longer theirs to act on.
  if (row.dashboard_id !== person.dashboardId) throw new AppError('NOT_FOUND', `No guest task ${taskId}.`);
  return { person, dashboardId: row.dashboard_id, definitionId: row.definition_id };
}

/** A person's groups and tasks in one dashboard version, in order. */
export class Board {
  constructor(
    readonly groups: ITaskGroup[],
    readonly tasks: Map<number, IGuestTask[]>,
  ) {}

  state(): GroupState[] {
    return this.groups.map((g) => ({ id: g.id, status: g.status, tasks: (this.tasks.get(g.id) ?? []).map((t) => ({ id: t.id, status: t.status })) }));
  }

  task(id: number): IGuestTask | undefined {
    for (const list of this.tasks.values()) for (const t of list) if (t.id === id) return t;
    return undefined;
  }
}

export async function loadBoard(ctx: ActionContext, userId: number, dashboardId: number): Promise<Board> {
  const order = await ctx.sql<{ group_id: number; task_id: number }>(
    `select tg.id as group_id, gt.id as task_id from task_group tg join task_group_definition gd on gd.id = tg.definition_id
       join guest_task gt on gt.group_id = tg.id join guest_task_definition td on td.id = gt.definition_id
      where tg.user_id = ? and tg.tenant_id = ? and gd.dashboard_id = ? order by gd.position, td.position`,
    [userId, ctx.tenantId, dashboardId],
  );
  const groupIds = [...new Set(order.map((r) => r.group_id))];
  const groups = await ctx.em.find(TaskGroup, { id: { $in: groupIds } });
  const tasks = await ctx.em.find(GuestTask, { id: { $in: order.map((r) => r.task_id) } });
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const map = new Map<number, IGuestTask[]>();
  for (const r of order) map.set(r.group_id, [...(map.get(r.group_id) ?? []), byId.get(r.task_id)!]);
  return new Board(groupIds.map((id) => groups.find((g) => g.id === id)!), map);
}

/** The derived event that moves a row between two statuses (the rules' own moves: unlock, relock, group progress). */
const DERIVED = { guest_task: ['unlocked', 'relocked'], task_group: ['unlocked', 'progressed', 'info_needed', 'restarted', 'completed', 'relocked'] } as const;
function derivedEvent<E extends string>(machine: Machine<Status, E>, from: Status, to: Status): E {
  const names = DERIVED[machine.entity as keyof typeof DERIVED] as readonly string[];
  const hit = (Object.entries(machine.events) as [E, { from: readonly Status[]; to: Status }][]).find(([name, t]) => names.includes(name) && t.from.includes(from) && t.to === to);
  if (!hit) throw new AppError('INVALID_TRANSITION', `A ${machine.entity} cannot go from ${from} to ${to}.`, { entity: machine.entity, from, to });
  return hit[0];
}

export interface Settled {
  /** Groups that became `Complete` with this operation. */
  completedGroups: number[];
}

/**
 * Fires every status change `next` asks of `board`: the operated task's own
 * event first (when there is one), then the rules' consequences, each with
 * its event row.
 */
export function settle(ctx: ActionContext, board: Board, next: GroupState[], acted?: { taskId: number; event: string; reason?: string; data?: Record<string, unknown> }): Settled {
  const completedGroups: number[] = [];
  if (acted) {
    const t = board.task(acted.taskId)!;
    fire(ctx, guestTaskMachine, t, acted.event as keyof typeof guestTaskMachine.events, { reason: acted.reason, data: acted.data });
  }
  next.forEach((g, gi) => {
    for (const [ti, want] of g.tasks.entries()) {
      const t = board.tasks.get(g.id)![ti]!;
      if (t.status !== want.status) fire(ctx, guestTaskMachine, t, derivedEvent(guestTaskMachine, t.status, want.status));
    }
    const group = board.groups[gi]!;
    if (group.status !== g.status) {
      fire(ctx, taskGroupMachine, group, derivedEvent(taskGroupMachine, group.status, g.status));
      if (g.status === 'Complete') completedGroups.push(group.id);
    }
  });
  return { completedGroups };
}

/**
 * Runs one operation on one of a person's tasks: the rules (unlock.ts) decide,
 * then every change is fired. Returns what happened, for the notices.
 */
export async function operate(ctx: ActionContext, taskId: number, op: Exclude<Op, 'reset'>, opts: { reason?: string; data?: Record<string, unknown> } = {}) {
  const { person, dashboardId } = await loadTask(ctx, taskId);
  const board = await loadBoard(ctx, person.userId, dashboardId);
  const before = board.task(taskId)!.status;
  const next = apply(board.state(), op, taskId);
  const settled = settle(ctx, board, next, { taskId, event: OP_EVENT[op], ...opts });
  return { person, board, before, settled, task: board.task(taskId)! };
}

/**
 * delete_guest_progress: every row of the person's version back to `Locked`
 * (event `reset`), then the rules unlock the start again, unless the person is
 * leaving this version (`unlock: false`): a board left behind stays all `Locked`.
 */
export function resetBoard(ctx: ActionContext, board: Board, reason: string, opts: { unlock: boolean } = { unlock: true }): void {
  for (const g of board.groups) {
    for (const t of board.tasks.get(g.id) ?? []) if (t.status !== 'Locked') fire(ctx, guestTaskMachine, t, 'reset', { reason });
    if (g.status !== 'Locked') fire(ctx, taskGroupMachine, g, 'reset', { reason });
  }
  if (opts.unlock) settle(ctx, board, apply(board.state(), 'reset'));
}

/** Creates a person's rows for a dashboard version (all `Locked`, event `created`), then unlocks the start. */
export async function instantiate(ctx: ActionContext, userId: number, dashboardId: number): Promise<Board> {
  const defs = await ctx.sql<{ group_def: number; task_def: number }>(
    `select gd.id as group_def, td.id as task_def from task_group_definition gd join guest_task_definition td on td.group_id = gd.id
      where gd.dashboard_id = ? order by gd.position, td.position`,
    [dashboardId],
  );
  const groups = new Map<number, ITaskGroup>();
  for (const d of defs) if (!groups.has(d.group_def)) groups.set(d.group_def, ctx.em.create(TaskGroup, { tenantId: ctx.tenantId, userId, definitionId: d.group_def, status: 'Locked' }));
  await ctx.em.flush();
  const tasks = new Map<number, IGuestTask[]>();
  for (const d of defs) {
    const g = groups.get(d.group_def)!;
    tasks.set(g.id, [...(tasks.get(g.id) ?? []), ctx.em.create(GuestTask, { tenantId: ctx.tenantId, userId, groupId: g.id, definitionId: d.task_def, status: 'Locked' })]);
  }
  await ctx.em.flush();
  for (const g of groups.values()) {
    fire(ctx, taskGroupMachine, g, 'created');
    for (const t of tasks.get(g.id)!) fire(ctx, guestTaskMachine, t, 'created');
  }
  const board = new Board([...groups.values()], tasks);
  settle(ctx, board, derive(board.state()));
  return board;
}

/** A feed notice and an email (the `mail` worker's send_guest_mail) to one user. */
export function tell(ctx: ActionContext, userId: number, notice: Record<string, unknown>, mail: { subject: string; text: string }): void {
  ctx.notify({ userIds: [userId] }, notice);
  ctx.enqueue('send_guest_mail', { user_id: userId, subject: mail.subject, text: mail.text });
}

/** Notices that follow a guest's own operation: each completed group, and an answer to a request for information. */
export async function tellCoordinator(ctx: ActionContext, person: Person, settled: Settled, answered: { taskId: number } | null): Promise<void> {
  for (const groupId of settled.completedGroups) {
    const [g] = await ctx.sql<{ title: string }>('select d.title from task_group g join task_group_definition d on d.id = g.definition_id where g.id = ?', [groupId]);
    tell(
      ctx,
      person.coordinatorId,
      { type: 'guest.group_completed', item: { type: 'task_group', id: groupId }, guestId: person.userId, guest: person.name, group: g?.title },
      { subject: `${person.name} completed "${g?.title}"`, text: `${person.name} (${person.email}) completed the task group "${g?.title}".` },
    );
  }
  if (answered) {
    const title = await taskTitle(ctx, answered.taskId);
    tell(
      ctx,
      person.coordinatorId,
      { type: 'guest.information_provided', item: { type: 'guest_task', id: answered.taskId }, guestId: person.userId, guest: person.name, task: title },
      { subject: `${person.name} answered your request on "${title}"`, text: `${person.name} (${person.email}) answered your request for more information on "${title}".` },
    );
  }
}

export async function taskTitle(ctx: ActionContext, taskId: number): Promise<string> {
  const [row] = await ctx.sql<{ title: string }>('select d.title from guest_task t join guest_task_definition d on d.id = t.definition_id where t.id = ?', [taskId]);
  return row?.title ?? `task ${taskId}`;
}

export { MORE_INFO };
