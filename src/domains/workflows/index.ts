import { defineDomain } from '../../core/define-domain.js';
import { workflowActions } from './actions.js';
import { workflowsDemo } from './demo.js';
import { TaskInstance, TicketInstance, WorkflowInstance } from './entities.js';
import { taskDefinitionFixture, taskInstanceFixture, ticketDefinitionFixture, ticketInstanceFixture, workflowFixture } from './fixtures.js';
import { taskInstanceMachine, workflowInstanceMachine } from './machines.js';

/**
 * Seed 003 (TicketFlower): companies design versioned workflows as data; users
 * submit tickets that run them; FORM tasks go to the available task worker with
 * the shortest list; action tasks call out on the `callouts` queue, outside any
 * transaction, with timeouts.
 */
export const workflowsDomain = defineDomain({
  name: 'workflows',
  summary: 'Ticket workflows: versioned workflow, task and ticket definitions; tickets, FORM assignment, sync/async action tasks (seed 003).',
  roles: ['user', 'ticket_admin', 'task_worker', 'workflow_creator'],
  workerKinds: ['workflows', 'callouts'],
  roleQueues: { user: 'workflows', ticket_admin: 'workflows', task_worker: 'workflows', workflow_creator: 'workflows' },
  actions: workflowActions,
  entities: [WorkflowInstance, TaskInstance, TicketInstance],
  machines: [workflowInstanceMachine, taskInstanceMachine],
  idKinds: {
    workflow_definition: { fixture: workflowFixture, typed: true, listKeys: ['workflows'], refKeys: ['workflowId'], messageWord: 'workflow definition' },
    task_definition: { fixture: taskDefinitionFixture, typed: true, refKeys: ['taskDefinitionId'], messageWord: 'task definition' },
    ticket_definition: { fixture: ticketDefinitionFixture, typed: true, listKeys: ['ticketDefinitions'], refKeys: ['ticketDefinitionId'], messageWord: 'ticket definition' },
    ticket_instance: { fixture: ticketInstanceFixture, typed: true, listKeys: ['tickets'], refKeys: ['ticketId'], messageWord: 'ticket' },
    task_instance: { fixture: taskInstanceFixture, typed: true, refKeys: ['taskInstanceId'], messageWord: 'task instance' },
  },
  demo: workflowsDemo,
  callers: {
    tenants: { own: 'initech', other: 'umbrella' },
    roles: {
      admin: { caller: 'admin', other: 'user' },
      user: { caller: 'user', other: 'worker1' },
      ticket_admin: { caller: 'ticketadmin', other: 'creator' },
      task_worker: { caller: 'worker1', other: 'worker2' },
      workflow_creator: { caller: 'creator', other: 'ticketadmin' },
    },
  },
});
