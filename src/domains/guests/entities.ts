import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { STATUSES } from './machines.js';

/** One published version of a provider's dashboard for one role (guest or host); never edited once written. */
export const OnboardingDashboard = defineEntity({
  name: 'OnboardingDashboard',
  tableName: 'onboarding_dashboard',
  properties: {
    id: p.integer().primary(),
    tenantId: p.integer(),
    role: p.text(),
    version: p.integer(),
    title: p.text(),
    publishedBy: p.integer().nullable(),
    createdAt: p.datetime().defaultRaw('now()').onCreate(() => new Date()),
  },
});

/** The provider's question bank: an edited question is a new row under the same key. */
export const Question = defineEntity({
  name: 'Question',
  tableName: 'question',
  properties: {
    id: p.integer().primary(),
    tenantId: p.integer(),
    key: p.text(),
    text: p.text(),
    responseType: p.text(),
    required: p.boolean().default(false),
    options: p.json<string[]>(),
    createdAt: p.datetime().defaultRaw('now()').onCreate(() => new Date()),
  },
});

export const TaskGroupDefinition = defineEntity({
  name: 'TaskGroupDefinition',
  tableName: 'task_group_definition',
  properties: {
    id: p.integer().primary(),
    tenantId: p.integer(),
    dashboardId: p.integer(),
    position: p.integer(),
    key: p.text(),
    title: p.text(),
  },
});

export const TaskDefinition = defineEntity({
  name: 'TaskDefinition',
  tableName: 'guest_task_definition',
  properties: {
    id: p.integer().primary(),
    tenantId: p.integer(),
    groupId: p.integer(),
    position: p.integer(),
    key: p.text(),
    title: p.text(),
    description: p.text(),
    linkText: p.text(),
    url: p.text(),
    kind: p.text(),
  },
});

export const TaskQuestion = defineEntity({
  name: 'TaskQuestion',
  tableName: 'task_question',
  properties: {
    taskId: p.integer().primary(),
    questionId: p.integer().primary(),
    position: p.integer(),
  },
});

/** A guest or host: their one coordinator and the dashboard version they keep. */
export const GuestProfile = defineEntity({
  name: 'GuestProfile',
  tableName: 'guest_profile',
  properties: {
    userId: p.integer().primary(),
    tenantId: p.integer(),
    role: p.text(),
    coordinatorId: p.integer(),
    dashboardId: p.integer(),
    createdAt: p.datetime().defaultRaw('now()').onCreate(() => new Date()),
  },
});
export type IGuestProfile = InferEntity<typeof GuestProfile>;

/** A person's task group (its status is derived from its tasks, see unlock.ts). */
export const TaskGroup = defineEntity({
  name: 'TaskGroup',
  tableName: 'task_group',
  properties: {
    id: p.integer().primary(),
    tenantId: p.integer(),
    userId: p.integer(),
    definitionId: p.integer(),
    status: p.enum([...STATUSES]).columnType('text'),
    updatedAt: p.datetime().defaultRaw('now()').onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});
export type ITaskGroup = InferEntity<typeof TaskGroup>;

/** A person's task: the id the dashboard and every task action use. */
export const GuestTask = defineEntity({
  name: 'GuestTask',
  tableName: 'guest_task',
  properties: {
    id: p.integer().primary(),
    tenantId: p.integer(),
    userId: p.integer(),
    groupId: p.integer(),
    definitionId: p.integer(),
    status: p.enum([...STATUSES]).columnType('text'),
    infoRequest: p.text().nullable(),
    updatedAt: p.datetime().defaultRaw('now()').onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});
export type IGuestTask = InferEntity<typeof GuestTask>;

/** One answer, keyed by (user, question). */
export const GuestResponse = defineEntity({
  name: 'GuestResponse',
  tableName: 'guest_response',
  properties: {
    userId: p.integer().primary(),
    questionId: p.integer().primary(),
    tenantId: p.integer(),
    value: p.json<unknown>(),
    updatedAt: p.datetime().defaultRaw('now()').onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});

export const GUEST_ENTITIES = [OnboardingDashboard, Question, TaskGroupDefinition, TaskDefinition, TaskQuestion, GuestProfile, TaskGroup, GuestTask, GuestResponse];
