import { taskMachine, type TaskEvent, type TaskStatus } from '../domains/tasks/machine.js';

const literal = (status: TaskStatus): string => {
  // Statuses are inlined into statement texts (each text is PREPAREd once per connection): only plain words.
  if (!/^[a-z_]+$/.test(status)) throw new Error(`task status ${status} cannot be inlined in SQL`);
  return `'${status}'`;
};

/**
 * A task event of the machine as SQL fragments: `to`, the quoted status to set;
 * `from(column)`, the guard (`status in (...)` over the event's from-statuses).
 * Literals, not parameters, so every statement keeps one fixed text and plan.
 */
export interface TaskTransitionSql {
  to: string;
  from: (column?: string) => string;
}

export const taskSql = Object.fromEntries(
  (Object.entries(taskMachine.events) as [TaskEvent, { from: readonly TaskStatus[]; to: TaskStatus }][]).map(([event, t]) => [
    event,
    {
      to: literal(t.to),
      from: (column = 'status') => {
        if (!t.from.length) throw new Error(`task event ${event} creates a task: it has no guard`);
        return `${column} in (${t.from.map(literal).join(', ')})`;
      },
    },
  ]),
) as Record<TaskEvent, TaskTransitionSql>;
