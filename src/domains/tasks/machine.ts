import { defineMachine } from '../../core/state-machine.js';

/**
 * The task's own status. Every statement that writes `task.status` takes its
 * target and its `where status in (...)` guard from this table (`taskSql` in
 * `src/pipeline/task-sql.ts`), so the table is the one place the task's moves
 * are declared.
 *
 * A worker's run is one transaction: the lock-and-read (`start`'s guard) and the
 * statement that finishes the task, so on the usual path the row goes from
 * `queued` straight to `succeeded` or `failed`; `running` is written only by an
 * attempt that ended without finishing the task (`retry`). Tasks record no
 * `entity_event` rows: that would be one more statement per action; the row's
 * `created_at`, `started_at`, `finished_at` and `attempts` are its history.
 */
export const taskMachine = defineMachine({
  entity: 'task',
  statuses: ['queued', 'running', 'succeeded', 'failed', 'cancelled'],
  final: ['succeeded', 'failed', 'cancelled'],
  events: {
    /** The door, a relay or a handler's follow-up records the task. */
    submit: { from: [], to: 'queued' },
    /** A delivery locks and reads the row; the statement that finishes the run writes the status (one write per run). */
    start: { from: ['queued', 'running'], to: 'running' },
    /** An attempt that failed with a retryable error is counted; BullMQ delivers the job again. */
    retry: { from: ['queued', 'running'], to: 'running' },
    succeed: { from: ['queued', 'running'], to: 'succeeded' },
    fail: { from: ['queued', 'running'], to: 'failed' },
    cancel: { from: ['queued'], to: 'cancelled' },
  },
});

export const TASK_STATUSES = taskMachine.statuses;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export type TaskEvent = keyof typeof taskMachine.events;

export const isFinalTask = (status: string): boolean => (taskMachine.final as readonly string[]).includes(status);

/** Whether the table lets `event` move a task that is `status` (the check a statement's guard makes in SQL). */
export const taskMay = (event: TaskEvent, status: string): boolean => (taskMachine.events[event].from as readonly string[]).includes(status);
