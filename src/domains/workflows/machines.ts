import { defineMachine } from '../../core/state-machine.js';

/** The seed's `task_status` enum. */
export const TASK_STATUSES = ['OPEN', 'IN_PROGRESS', 'PENDING', 'COMPLETED', 'CANCELLED', 'ERROR'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
/** Statuses in which a task counts on its assignee's open list. */
export const OPEN_TASK: readonly TaskStatus[] = ['OPEN', 'IN_PROGRESS'];
/** Statuses a cancelled ticket cancels. */
export const LIVE_TASK: readonly TaskStatus[] = ['PENDING', 'OPEN', 'IN_PROGRESS', 'ERROR'];

/**
 * A task instance. FORM: created PENDING (waiting for a worker), `assign` ->
 * OPEN on the worker's list, `complete` with the worker's output. SYNC_ACTION /
 * ASYNC_ACTION: created PENDING, `start` (the call goes out) -> IN_PROGRESS,
 * then `complete` or `fail` (ERROR, retried by a ticket admin).
 */
export const taskInstanceMachine = defineMachine({
  entity: 'task_instance',
  statuses: TASK_STATUSES,
  final: ['COMPLETED', 'CANCELLED'],
  events: {
    create: { from: [], to: 'PENDING' },
    assign: { from: ['PENDING', 'OPEN', 'IN_PROGRESS'], to: 'OPEN' },
    start: { from: ['PENDING'], to: 'IN_PROGRESS' },
    complete: { from: ['OPEN', 'IN_PROGRESS'], to: 'COMPLETED' },
    fail: { from: ['PENDING', 'OPEN', 'IN_PROGRESS'], to: 'ERROR' },
    retry: { from: ['ERROR'], to: 'PENDING' },
    cancel: { from: ['PENDING', 'OPEN', 'IN_PROGRESS', 'ERROR'], to: 'CANCELLED' },
  },
});

/** The seed's `workflow_status` enum. */
export const WORKFLOW_STATUSES = ['NOT_STARTED', 'IN_PROGRESS', 'COMPLETED', 'CANCELLED', 'ON_HOLD'] as const;
export type WorkflowStatus = (typeof WORKFLOW_STATUSES)[number];

/**
 * A workflow instance (and so its ticket). `hold`: a task completed, it has
 * outgoing transitions, and no condition holds on the data; a ticket admin
 * `resume`s it (routing again, after editing the data) or cancels it.
 */
export const workflowInstanceMachine = defineMachine({
  entity: 'workflow_instance',
  statuses: WORKFLOW_STATUSES,
  final: ['COMPLETED', 'CANCELLED'],
  events: {
    create: { from: [], to: 'NOT_STARTED' },
    start: { from: ['NOT_STARTED'], to: 'IN_PROGRESS' },
    complete: { from: ['IN_PROGRESS'], to: 'COMPLETED' },
    hold: { from: ['IN_PROGRESS'], to: 'ON_HOLD' },
    resume: { from: ['ON_HOLD'], to: 'IN_PROGRESS' },
    cancel: { from: ['NOT_STARTED', 'IN_PROGRESS', 'ON_HOLD'], to: 'CANCELLED' },
  },
});
