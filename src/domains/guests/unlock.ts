import { AppError } from '../../core/errors.js';
import { guestTaskMachine, MORE_INFO, type Status } from './machines.js';

/**
 * The unlock rules, in one place. Pure: the actions load a person's groups
 * and tasks, call `apply()`, and fire the differences (`settle()` in
 * rules.ts); the property tests run random operations through the same
 * function. Rules (docs/guest-workflow.md):
 *
 * 1. Groups are done in order: the first group is unlocked; any other group is
 *    unlocked exactly when the group before it is `Complete`.
 * 2. A task is unlocked exactly when its group is unlocked and it is the first
 *    task, or the task before it is `Complete`. An unlocked task that was
 *    `Locked` becomes `Start`; a task that may not be unlocked is `Locked`.
 * 3. A group is `Complete` exactly when all its tasks are; otherwise (when
 *    unlocked) `More information is needed` if any task is, else `In progress`
 *    if any task began (`In progress` or `Complete`), else `Start`.
 * 4. A `Complete` group is frozen: no operation but `reset` touches its tasks.
 */
export interface TaskState {
  id: number;
  status: Status;
}
export interface GroupState {
  id: number;
  status: Status;
  tasks: TaskState[];
}

export type Op = 'start' | 'save' | 'complete' | 'request' | 'delete_answers' | 'reset';

/** The machine event each operation fires on its task. */
export const OP_EVENT = {
  start: 'started',
  save: 'saved',
  complete: 'completed',
  request: 'info_requested',
  delete_answers: 'answers_deleted',
} as const;

function groupStatus(tasks: readonly TaskState[]): Status {
  if (tasks.every((t) => t.status === 'Complete')) return 'Complete';
  if (tasks.some((t) => t.status === MORE_INFO)) return MORE_INFO;
  if (tasks.some((t) => t.status === 'In progress' || t.status === 'Complete')) return 'In progress';
  return 'Start';
}

/** The statuses the rules require, given what each task's own work says. */
export function derive(groups: readonly GroupState[]): GroupState[] {
  let open = true;
  return groups.map((g) => {
    let previousComplete = true;
    const tasks = g.tasks.map((t) => {
      const status: Status = !(open && previousComplete) ? 'Locked' : t.status === 'Locked' ? 'Start' : t.status;
      previousComplete = status === 'Complete';
      return { id: t.id, status };
    });
    const status = open ? groupStatus(tasks) : 'Locked';
    open = status === 'Complete';
    return { id: g.id, status, tasks };
  });
}

/** Every way `groups` breaks the rules (empty when it keeps them), checked directly, not through `derive`. */
export function violations(groups: readonly GroupState[]): string[] {
  const out: string[] = [];
  groups.forEach((g, gi) => {
    const mayOpen = gi === 0 || groups[gi - 1]!.status === 'Complete';
    if (mayOpen !== (g.status !== 'Locked')) out.push(`group ${g.id} is ${g.status} but the group before it is ${gi === 0 ? 'none' : groups[gi - 1]!.status}`);
    const allComplete = g.tasks.every((t) => t.status === 'Complete');
    if (allComplete !== (g.status === 'Complete')) out.push(`group ${g.id} is ${g.status} with tasks ${g.tasks.map((t) => t.status).join(', ')}`);
    g.tasks.forEach((t, ti) => {
      const mayUnlock = g.status !== 'Locked' && (ti === 0 || g.tasks[ti - 1]!.status === 'Complete');
      if (mayUnlock !== (t.status !== 'Locked')) out.push(`task ${t.id} is ${t.status} in a ${g.status} group after ${ti === 0 ? 'nothing' : g.tasks[ti - 1]!.status}`);
    });
    if (g.status !== 'Locked' && g.status !== 'Complete') {
      const expected = g.tasks.some((t) => t.status === MORE_INFO) ? MORE_INFO : g.tasks.some((t) => t.status === 'In progress' || t.status === 'Complete') ? 'In progress' : 'Start';
      if (g.status !== expected) out.push(`group ${g.id} is ${g.status}, its tasks say ${expected}`);
    }
  });
  return out;
}

/** The first task before `taskId` (in order, across groups) that is not `Complete`: what keeps it locked. */
export function blockerOf(groups: readonly GroupState[], taskId: number): TaskState | null {
  for (const g of groups) {
    for (const t of g.tasks) {
      if (t.id === taskId) return null;
      if (t.status !== 'Complete') return t;
    }
  }
  return null;
}

/**
 * Applies one operation to a person's groups and returns the statuses after it
 * and the rules. Refusals (INVALID_TRANSITION, 409): a locked task (with
 * `details.blockingTaskId`), a task of a `Complete` (frozen) group, and any
 * move the task machine does not allow. `reset` relocks everything (then the
 * first group and its first task unlock again).
 */
export function apply(groups: readonly GroupState[], op: Op, taskId?: number): GroupState[] {
  if (op === 'reset') return derive(groups.map((g) => ({ ...g, tasks: g.tasks.map((t) => ({ ...t, status: 'Locked' as Status })) })));
  const group = groups.find((g) => g.tasks.some((t) => t.id === taskId));
  const task = group?.tasks.find((t) => t.id === taskId);
  if (!group || !task) throw new AppError('NOT_FOUND', `No guest task ${taskId}.`);
  if (task.status === 'Locked') {
    const blocker = blockerOf(groups, task.id);
    throw new AppError('INVALID_TRANSITION', `Guest task ${task.id} is locked: guest task ${blocker?.id ?? '?'} must be complete first.`, {
      entity: 'guest_task',
      from: 'Locked',
      event: OP_EVENT[op],
      blockingTaskId: blocker?.id ?? null,
    });
  }
  if (group.status === 'Complete') {
    throw new AppError('INVALID_TRANSITION', `Guest task ${task.id} belongs to a complete task group, which is frozen.`, { entity: 'guest_task', from: task.status, event: OP_EVENT[op], groupId: group.id });
  }
  const to = guestTaskMachine.next(task.status, OP_EVENT[op]);
  return derive(groups.map((g) => (g.id !== group.id ? g : { ...g, tasks: g.tasks.map((t) => (t.id === task.id ? { ...t, status: to } : t)) })));
}
