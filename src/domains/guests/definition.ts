import { z } from 'zod';
import type { Db } from '../../core/context.js';

/**
 * A dashboard definition as a provider admin uploads it (publish_guest_dashboard)
 * and reads it back (get_guest_dashboard_definition). Checked at the door: every
 * refusal names its path (`definition.taskGroups.0.tasks.1.questions.0.type`).
 */
/**
 * Response types. `agreement` is a consent: a yes/no question only `true`
 * satisfies (saving `false` is VALIDATION_FAILED naming the question), so a
 * required agreement cannot be completed by declining it. `yes_no` takes either.
 */
export const RESPONSE_TYPES = ['text', 'long_text', 'yes_no', 'agreement', 'number', 'date', 'email', 'phone', 'single_choice', 'multiple_choice'] as const;
export type ResponseType = (typeof RESPONSE_TYPES)[number];
export const TASK_KINDS = ['form', 'training', 'scheduling', 'matching'] as const;
export const ONBOARDING_ROLES = ['guest', 'host'] as const;
export type OnboardingRole = (typeof ONBOARDING_ROLES)[number];

const Key = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'a snake_case key');
const Text = (max: number) => z.string().trim().min(1).max(max);

export const QuestionSpec = z.strictObject({
  key: Key,
  text: Text(1000),
  type: z.enum(RESPONSE_TYPES),
  required: z.boolean().default(false),
  options: z.array(Text(200)).max(50).default([]),
});

export const TaskSpec = z.strictObject({
  key: Key,
  title: Text(200),
  description: z.string().max(2000).default(''),
  linkText: z.string().max(100).default(''),
  url: z.string().regex(/^\/[A-Za-z0-9/_\-.?=&]*$/, 'a URL path starting with /').max(300).default('/'),
  kind: z.enum(TASK_KINDS),
  questions: z.array(QuestionSpec).max(100).default([]),
});

export const GroupSpec = z.strictObject({
  key: Key,
  title: Text(200),
  tasks: z.array(TaskSpec).min(1).max(50),
});

export const DashboardSpec = z
  .strictObject({
    role: z.enum(ONBOARDING_ROLES),
    title: Text(200),
    taskGroups: z.array(GroupSpec).min(1).max(20),
  })
  .superRefine((d, ctx) => {
    const groupKeys = new Set<string>();
    const taskKeys = new Set<string>();
    // A question key is unique across the whole dashboard: answers are stored per person and question, so one key in two tasks would share (and delete) one answer.
    const questionAt = new Map<string, string>();
    d.taskGroups.forEach((g, gi) => {
      if (groupKeys.has(g.key)) ctx.addIssue({ code: 'custom', path: ['taskGroups', gi, 'key'], message: `duplicate task group key ${g.key}` });
      groupKeys.add(g.key);
      g.tasks.forEach((t, ti) => {
        const at = ['taskGroups', gi, 'tasks', ti];
        if (taskKeys.has(t.key)) ctx.addIssue({ code: 'custom', path: [...at, 'key'], message: `duplicate task key ${t.key}` });
        taskKeys.add(t.key);
        if (t.kind === 'form' && !t.questions.length) ctx.addIssue({ code: 'custom', path: [...at, 'questions'], message: 'a form task needs at least one question' });
        if (t.kind !== 'form' && t.questions.length) ctx.addIssue({ code: 'custom', path: [...at, 'questions'], message: `a ${t.kind} task has no questions` });
        t.questions.forEach((q, qi) => {
          const first = questionAt.get(q.key);
          if (first !== undefined) ctx.addIssue({ code: 'custom', path: [...at, 'questions', qi, 'key'], message: `duplicate question key ${q.key} (already asked at ${first}; a question belongs to one task of a dashboard)` });
          else questionAt.set(q.key, [...at, 'questions', qi].join('.'));
          const choice = q.type === 'single_choice' || q.type === 'multiple_choice';
          if (choice && q.options.length < 2) ctx.addIssue({ code: 'custom', path: [...at, 'questions', qi, 'options'], message: `a ${q.type} question needs at least two options` });
          if (!choice && q.options.length) ctx.addIssue({ code: 'custom', path: [...at, 'questions', qi, 'options'], message: `a ${q.type} question takes no options` });
        });
      });
    });
  });
export type DashboardSpec = z.output<typeof DashboardSpec>;
type QuestionSpec = z.output<typeof QuestionSpec>;

/** A question row of the bank with the same content, or a new one (an edit is a new row under the same key). */
async function questionId(db: Db, tenantId: number, q: QuestionSpec): Promise<number> {
  const [same] = await db.sql<{ id: number }>(
    `select id from question where tenant_id = ? and key = ? and text = ? and response_type = ? and required = ? and options = ?::jsonb order by id desc limit 1`,
    [tenantId, q.key, q.text, q.type, q.required, JSON.stringify(q.options)],
  );
  if (same) return same.id;
  const [row] = await db.sql<{ id: number }>(`insert into question (tenant_id, key, text, response_type, required, options) values (?, ?, ?, ?, ?, ?::jsonb) returning id`, [
    tenantId,
    q.key,
    q.text,
    q.type,
    q.required,
    JSON.stringify(q.options),
  ]);
  return row!.id;
}

/** Writes a new version of the tenant's dashboard for `spec.role`; returns its id and version. */
export async function publishDashboard(db: Db, tenantId: number, spec: DashboardSpec, publishedBy: number | null, version?: number): Promise<{ id: number; version: number }> {
  // Concurrent publishes of one tenant's role take turns (the lock is held to the end of the transaction), so each reads the version the other wrote.
  await db.sql('select true as locked from pg_advisory_xact_lock(?::int, hashtext(?))', [tenantId, `onboarding_dashboard:${spec.role}`]);
  const [{ next } = { next: 1 }] = await db.sql<{ next: number }>('select greatest(coalesce(max(version), 0), 0) + 1 as next from onboarding_dashboard where tenant_id = ? and role = ?', [tenantId, spec.role]);
  const v = version ?? Number(next);
  const [dash] = await db.sql<{ id: number }>('insert into onboarding_dashboard (tenant_id, role, version, title, published_by) values (?, ?, ?, ?, ?) returning id', [tenantId, spec.role, v, spec.title, publishedBy]);
  for (const [gi, g] of spec.taskGroups.entries()) {
    const [group] = await db.sql<{ id: number }>('insert into task_group_definition (tenant_id, dashboard_id, position, key, title) values (?, ?, ?, ?, ?) returning id', [tenantId, dash!.id, gi + 1, g.key, g.title]);
    for (const [ti, t] of g.tasks.entries()) {
      const [task] = await db.sql<{ id: number }>(
        'insert into guest_task_definition (tenant_id, group_id, position, key, title, description, link_text, url, kind) values (?, ?, ?, ?, ?, ?, ?, ?, ?) returning id',
        [tenantId, group!.id, ti + 1, t.key, t.title, t.description, t.linkText, t.url, t.kind],
      );
      for (const [qi, q] of t.questions.entries()) {
        await db.sql('insert into task_question (task_id, question_id, position) values (?, ?, ?)', [task!.id, await questionId(db, tenantId, q), qi + 1]);
      }
    }
  }
  return { id: dash!.id, version: v };
}

/** The current (highest) version of a role's dashboard, or null when the provider has none. */
export async function currentDashboard(db: Db, tenantId: number, role: string): Promise<{ id: number; version: number; title: string } | null> {
  const [row] = await db.sql<{ id: number; version: number; title: string }>('select id, version, title from onboarding_dashboard where tenant_id = ? and role = ? order by version desc limit 1', [tenantId, role]);
  return row ?? null;
}

/** A published version read back as the definition that made it. */
export async function readDefinition(db: Db, dashboardId: number): Promise<DashboardSpec> {
  const [dash] = await db.sql<{ role: 'guest' | 'host'; title: string }>('select role, title from onboarding_dashboard where id = ?', [dashboardId]);
  const groups = await db.sql<{ id: number; key: string; title: string }>('select id, key, title from task_group_definition where dashboard_id = ? order by position', [dashboardId]);
  const tasks = await db.sql<{ id: number; group_id: number; key: string; title: string; description: string; link_text: string; url: string; kind: (typeof TASK_KINDS)[number] }>(
    'select t.* from guest_task_definition t join task_group_definition g on g.id = t.group_id where g.dashboard_id = ? order by t.position',
    [dashboardId],
  );
  const questions = await db.sql<{ task_id: number; key: string; text: string; response_type: ResponseType; required: boolean; options: string[] }>(
    `select tq.task_id, q.key, q.text, q.response_type, q.required, q.options from task_question tq join question q on q.id = tq.question_id
      join guest_task_definition t on t.id = tq.task_id join task_group_definition g on g.id = t.group_id where g.dashboard_id = ? order by tq.position`,
    [dashboardId],
  );
  return {
    role: dash!.role,
    title: dash!.title,
    taskGroups: groups.map((g) => ({
      key: g.key,
      title: g.title,
      tasks: tasks
        .filter((t) => t.group_id === g.id)
        .map((t) => ({
          key: t.key,
          title: t.title,
          description: t.description,
          linkText: t.link_text,
          url: t.url,
          kind: t.kind,
          questions: questions.filter((q) => q.task_id === t.id).map((q) => ({ key: q.key, text: q.text, type: q.response_type, required: q.required, options: q.options })),
        })),
    })),
  };
}
