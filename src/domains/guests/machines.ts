import { defineMachine } from '../../core/state-machine.js';

/** The seed's five statuses, for tasks and task groups alike. */
export const STATUSES = ['Locked', 'Start', 'In progress', 'More information is needed', 'Complete'] as const;
export type Status = (typeof STATUSES)[number];
export const MORE_INFO: Status = 'More information is needed';

/**
 * A person's task. The actions fire `started`, `saved`, `completed`,
 * `info_requested` and `answers_deleted`; `unlocked` and `relocked` are fired
 * only by `settle()` (rules.ts) when the unlock rules (unlock.ts) say so, and
 * `reset` by delete_guest_progress.
 */
export const guestTaskMachine = defineMachine({
  entity: 'guest_task',
  statuses: STATUSES,
  final: [],
  events: {
    created: { from: [], to: 'Locked', verb: 'create' },
    unlocked: { from: ['Locked'], to: 'Start', verb: 'unlock' },
    started: { from: ['Start'], to: 'In progress', verb: 'start' },
    saved: { from: ['Start', 'In progress', 'More information is needed'], to: 'In progress', verb: 'save answers to' },
    completed: { from: ['Start', 'In progress'], to: 'Complete', verb: 'complete' },
    info_requested: { from: ['Start', 'In progress', 'Complete'], to: 'More information is needed', verb: 'request information on' },
    answers_deleted: { from: ['Start', 'In progress', 'More information is needed', 'Complete'], to: 'Start', verb: 'delete the answers of' },
    relocked: { from: ['Start', 'In progress', 'More information is needed', 'Complete'], to: 'Locked', verb: 'relock' },
    reset: { from: ['Start', 'In progress', 'More information is needed', 'Complete'], to: 'Locked' },
  },
});

/** A person's task group: every status but `Locked` -> `Start` is derived from its tasks by `settle()`. */
export const taskGroupMachine = defineMachine({
  entity: 'task_group',
  statuses: STATUSES,
  final: [],
  events: {
    created: { from: [], to: 'Locked', verb: 'create' },
    unlocked: { from: ['Locked'], to: 'Start', verb: 'unlock' },
    progressed: { from: ['Start', 'More information is needed'], to: 'In progress', verb: 'progress' },
    info_needed: { from: ['Start', 'In progress'], to: 'More information is needed', verb: 'ask information on' },
    restarted: { from: ['In progress', 'More information is needed'], to: 'Start', verb: 'restart' },
    completed: { from: ['Start', 'In progress', 'More information is needed'], to: 'Complete', verb: 'complete' },
    relocked: { from: ['Start', 'In progress', 'More information is needed'], to: 'Locked', verb: 'relock' },
    reset: { from: ['Start', 'In progress', 'More information is needed', 'Complete'], to: 'Locked' },
  },
});
