import type { DemoContext, DemoSet } from '../../core/define-domain.js';
import { ONBOARDING_ROLES, publishDashboard, DashboardSpec } from './definition.js';
import { DEMO_GUEST_DASHBOARD, DEMO_HOST_DASHBOARD } from './demo-dashboards.js';
import { apply, derive, type GroupState, type Op } from './unlock.js';
import { fire } from '../../core/state-machine.js';
import { createDemoUsers } from '../accounts/demo-users.js';
import { guestTaskMachine, taskGroupMachine, type Status } from './machines.js';

/** The events that take a new row (Locked) to each demo status. */
const TASK_PATH: Record<Status, (keyof typeof guestTaskMachine.events)[]> = {
  Locked: [],
  Start: ['unlocked'],
  'In progress': ['unlocked', 'started'],
  'More information is needed': ['unlocked', 'info_requested'],
  Complete: ['unlocked', 'started', 'completed'],
};
const GROUP_PATH: Record<Status, (keyof typeof taskGroupMachine.events)[]> = {
  Locked: [],
  Start: ['unlocked'],
  'In progress': ['unlocked', 'progressed'],
  'More information is needed': ['unlocked', 'info_needed'],
  Complete: ['unlocked', 'completed'],
};

/**
 * Two providers, hope and haven, each with its admin, one coordinator, a host
 * and three guests at the stages the issue names: guest1 at the very start,
 * guest2 midway through the first group (application complete, interview in
 * progress), guest3 with the first group complete. Statuses come from the
 * same rules the actions use (unlock.ts), applied to the operations each
 * guest made; each row gets its `created` event row.
 */
const PEOPLE = [
  { local: 'admin', role: 'admin', level: 3 },
  { local: 'coordinator', role: 'coordinator', level: 1 },
  { local: 'host1', role: 'host', level: 1 },
  { local: 'guest1', role: 'guest', level: 1 },
  { local: 'guest2', role: 'guest', level: 1 },
  { local: 'guest3', role: 'guest', level: 1 },
] as const;

/** What each demo person has done: task keys completed, then one started. */
const PROGRESS: Record<string, { complete: string[]; started?: string }> = {
  host1: { complete: [] },
  guest1: { complete: [] },
  guest2: { complete: ['application'], started: 'coordinator_interview' },
  guest3: { complete: ['application', 'coordinator_interview', 'training_session'] },
};

const ANSWERS: Record<string, unknown> = {
  full_name: null,
  date_of_birth: '2001-04-17',
  phone: '+1 213 555 0147',
  pronouns: 'they/them',
  current_housing: 'With family or friends',
  employed: true,
  in_school: false,
  smokes: false,
  pets: false,
  languages: ['English', 'Spanish'],
  about_you: 'I work at a grocery store and need a stable place while I save for my own apartment.',
};

export const guestsDemo: DemoSet = {
  tenants: [
    { slug: 'hope', name: 'Hope Housing Collaborative' },
    { slug: 'haven', name: 'Safe Haven Youth Services' },
  ],
  seed: 16,
  users: PEOPLE.map((p) => p.local),
  async load(ctx, tenant) {
    const users = await createDemoUsers(ctx, tenant, PEOPLE);
    const ids = Object.fromEntries(Object.entries(users).map(([local, u]) => [local, u.id]));
    const names = Object.fromEntries(Object.entries(users).map(([local, u]) => [local, `${u.firstName} ${u.lastName}`]));
    const dashboards: Record<string, number> = {};
    for (const spec of [DEMO_GUEST_DASHBOARD, DEMO_HOST_DASHBOARD]) dashboards[spec.role] = (await publishDashboard(ctx, tenant.id, DashboardSpec.parse(spec), ids.admin!)).id;
    for (const [local, progress] of Object.entries(PROGRESS)) {
      const role = local.startsWith('host') ? ONBOARDING_ROLES[1] : ONBOARDING_ROLES[0];
      await enrolDemo(ctx, tenant.id, ids[local]!, role, ids.coordinator!, dashboards[role]!, progress, { ...ANSWERS, full_name: names[local] }, ids.admin!);
    }
  },
};

async function enrolDemo(
  ctx: DemoContext,
  tenantId: number,
  userId: number,
  role: string,
  coordinatorId: number,
  dashboardId: number,
  progress: { complete: string[]; started?: string },
  answers: Record<string, unknown>,
  adminId: number,
): Promise<void> {
  await ctx.sql('insert into guest_profile (user_id, tenant_id, role, coordinator_id, dashboard_id) values (?, ?, ?, ?, ?)', [userId, tenantId, role, coordinatorId, dashboardId]);
  const defs = await ctx.sql<{ group_def: number; task_def: number; task_key: string }>(
    `select gd.id as group_def, td.id as task_def, td.key as task_key from task_group_definition gd join guest_task_definition td on td.group_id = gd.id
      where gd.dashboard_id = ? order by gd.position, td.position`,
    [dashboardId],
  );
  const groupIds = new Map<number, number>();
  const taskIds = new Map<string, number>();
  let state: GroupState[] = [];
  for (const d of defs) {
    if (!groupIds.has(d.group_def)) {
      const [g] = await ctx.sql<{ id: number }>(`insert into task_group (tenant_id, user_id, definition_id, status) values (?, ?, ?, ?) returning id`, [tenantId, userId, d.group_def, taskGroupMachine.events.created.to]);
      groupIds.set(d.group_def, g!.id);
      state.push({ id: g!.id, status: 'Locked', tasks: [] });
    }
    const [t] = await ctx.sql<{ id: number }>(`insert into guest_task (tenant_id, user_id, group_id, definition_id, status) values (?, ?, ?, ?, ?) returning id`, [
      tenantId,
      userId,
      groupIds.get(d.group_def),
      d.task_def,
      guestTaskMachine.events.created.to,
    ]);
    taskIds.set(d.task_key, t!.id);
    state.at(-1)!.tasks.push({ id: t!.id, status: 'Locked' });
  }
  state = derive(state);
  const ops: [Op, string][] = [...progress.complete.map((k) => ['complete', k] as [Op, string]), ...(progress.started ? [['start', progress.started] as [Op, string]] : [])];
  for (const [op, key] of ops) state = apply(state, op, taskIds.get(key));
  // Each row goes from its creation to its demo status along its machine, with an event row per step.
  const by = ctx.as(adminId);
  for (const g of state) {
    const group = { id: g.id, status: taskGroupMachine.events.created.to as Status };
    fire(by, taskGroupMachine, group, 'created', { reason: 'demo data' });
    for (const e of GROUP_PATH[g.status]) fire(by, taskGroupMachine, group, e, { reason: 'demo data' });
    await ctx.sql('update task_group set status = ? where id = ?', [group.status, g.id]);
    for (const t of g.tasks) {
      const task = { id: t.id, status: guestTaskMachine.events.created.to as Status };
      fire(by, guestTaskMachine, task, 'created', { reason: 'demo data' });
      for (const e of TASK_PATH[t.status]) fire(by, guestTaskMachine, task, e, { reason: 'demo data' });
      await ctx.sql('update guest_task set status = ? where id = ?', [task.status, t.id]);
    }
  }
  if (!progress.complete.length) return;
  const questions = await ctx.sql<{ id: number; key: string }>(
    `select q.id, q.key from task_question tq join question q on q.id = tq.question_id join guest_task_definition td on td.id = tq.task_id
      join task_group_definition gd on gd.id = td.group_id where gd.dashboard_id = ? and td.key = any(?::text[])`,
    [dashboardId, `{${progress.complete.join(',')}}`],
  );
  for (const q of questions) {
    if (answers[q.key] === undefined) continue;
    await ctx.sql('insert into guest_response (tenant_id, user_id, question_id, value) values (?, ?, ?, ?::jsonb)', [tenantId, userId, q.id, JSON.stringify(answers[q.key])]);
  }
}
