import { actionTimeout } from './actions/action-timeout.js';
import { cancelTicket } from './actions/cancel-ticket.js';
import { completeWorkflowTask } from './actions/complete-workflow-task.js';
import { createTaskDefinition } from './actions/create-task-definition.js';
import { createTicketDefinition } from './actions/create-ticket-definition.js';
import { createWorkflowDefinition } from './actions/create-workflow-definition.js';
import { defineCompanyRole } from './actions/define-company-role.js';
import { getTaskDefinition } from './actions/get-task-definition.js';
import { getTicketDefinition } from './actions/get-ticket-definition.js';
import { getTicket } from './actions/get-ticket.js';
import { getWorkflowDefinition } from './actions/get-workflow-definition.js';
import { getWorkflowTask } from './actions/get-workflow-task.js';
import { grantCompanyRole } from './actions/grant-company-role.js';
import { listCompanyRoles } from './actions/list-company-roles.js';
import { listMyTasks } from './actions/list-my-tasks.js';
import { listTaskDefinitions } from './actions/list-task-definitions.js';
import { listTicketDefinitions } from './actions/list-ticket-definitions.js';
import { listTicketsAction } from './actions/list-tickets.js';
import { listWorkflowDefinitions } from './actions/list-workflow-definitions.js';
import { listWorkflowTasks } from './actions/list-workflow-tasks.js';
import { myTickets } from './actions/my-tickets.js';
import { reassignWorkflowTask } from './actions/reassign-workflow-task.js';
import { recordActionOutcome } from './actions/record-action-outcome.js';
import { resumeWorkflow } from './actions/resume-workflow.js';
import { retryWorkflowTask } from './actions/retry-workflow-task.js';
import { setAvailability } from './actions/set-availability.js';
import { startActionTask } from './actions/start-action-task.js';
import { submitTicket } from './actions/submit-ticket.js';
import { updateTaskDefinition } from './actions/update-task-definition.js';
import { updateTicketDefinition } from './actions/update-ticket-definition.js';
import { updateWorkflowDefinition } from './actions/update-workflow-definition.js';

/** The ticket workflows (seed 003): one action per file under actions/. */
export const workflowActions = [
  actionTimeout,
  cancelTicket,
  completeWorkflowTask,
  createTaskDefinition,
  createTicketDefinition,
  createWorkflowDefinition,
  defineCompanyRole,
  getTaskDefinition,
  getTicketDefinition,
  getTicket,
  getWorkflowDefinition,
  getWorkflowTask,
  grantCompanyRole,
  listCompanyRoles,
  listMyTasks,
  listTaskDefinitions,
  listTicketDefinitions,
  listTicketsAction,
  listWorkflowDefinitions,
  listWorkflowTasks,
  myTickets,
  reassignWorkflowTask,
  recordActionOutcome,
  resumeWorkflow,
  retryWorkflowTask,
  setAvailability,
  startActionTask,
  submitTicket,
  updateTaskDefinition,
  updateTicketDefinition,
  updateWorkflowDefinition,
];
