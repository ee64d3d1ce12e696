import { defineDomain } from '../../core/define-domain.js';
import { taskActions } from './actions.js';
import { taskFixture } from './fixtures.js';
import { taskMachine } from './machine.js';

/** The pipeline's own actions (a task's result, cancel, search) and the `system` worker kind that runs timers and maintenance. */
export const tasksDomain = defineDomain({
  name: 'tasks',
  summary: 'Reading, cancelling and searching tasks; the system queue.',
  workerKinds: ['system'],
  actions: taskActions,
  machines: [taskMachine],
  idKinds: { task: { fixture: taskFixture, messageWord: 'Task' } },
});
