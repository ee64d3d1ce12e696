import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { TASK_STATUSES, WORKFLOW_STATUSES } from './machines.js';

/**
 * The instance rows, which change status through the machines. Definitions
 * (workflow, task, transition, ticket) are written once per version and read
 * with SQL (`definitions.ts`).
 */
const stamps = {
  createdAt: p.datetime().defaultRaw('now()').onCreate(() => new Date()),
  updatedAt: p.datetime().defaultRaw('now()').onCreate(() => new Date()).onUpdate(() => new Date()),
};

export const WorkflowInstance = defineEntity({
  name: 'WorkflowInstance',
  tableName: 'workflow_instance',
  properties: {
    id: p.integer().primary(),
    tenantId: p.integer(),
    workflowDefinitionId: p.integer(),
    currentTaskId: p.integer().nullable(),
    data: p.json<Record<string, unknown>>(),
    status: p.enum([...WORKFLOW_STATUSES]).columnType('text'),
    holdReason: p.text().nullable(),
    ...stamps,
  },
});
export type IWorkflowInstance = InferEntity<typeof WorkflowInstance>;

export const TaskInstance = defineEntity({
  name: 'TaskInstance',
  tableName: 'task_instance',
  properties: {
    id: p.integer().primary(),
    tenantId: p.integer(),
    workflowInstanceId: p.integer(),
    taskDefinitionId: p.integer(),
    status: p.enum([...TASK_STATUSES]).columnType('text'),
    inputData: p.json<unknown>().nullable(),
    outputData: p.json<unknown>().nullable(),
    error: p.json<Record<string, unknown>>().nullable(),
    attempt: p.integer().default(1),
    assignedTo: p.integer().nullable(),
    assignedAt: p.datetime().nullable(),
    startedAt: p.datetime().nullable(),
    completedAt: p.datetime().nullable(),
    deadlineAt: p.datetime().nullable(),
    ...stamps,
  },
});
export type ITaskInstance = InferEntity<typeof TaskInstance>;

export const TicketInstance = defineEntity({
  name: 'TicketInstance',
  tableName: 'ticket_instance',
  properties: {
    id: p.integer().primary(),
    tenantId: p.integer(),
    ticketDefinitionId: p.integer(),
    workflowInstanceId: p.integer(),
    data: p.json<Record<string, unknown>>(),
    createdBy: p.integer().nullable(),
    ...stamps,
  },
});
export type ITicketInstance = InferEntity<typeof TicketInstance>;
