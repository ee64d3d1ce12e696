import type { ActionContext } from '../../core/context.js';
import { questionsOf, responsesTo } from './answers.js';
import type { Person } from './rules.js';

/** get_guest_dashboard's shape: the person's groups and tasks of the version they keep, with statuses. */
export async function dashboardView(ctx: ActionContext, person: Person) {
  await ctx.em.flush();
  const [dash] = await ctx.sql<{ id: number; version: number; title: string }>('select id, version, title from onboarding_dashboard where id = ?', [person.dashboardId]);
  const rows = await ctx.sql<{
    group_id: number; group_key: string; group_title: string; group_status: string;
    task_id: number; task_key: string; title: string; description: string; task_status: string; link_text: string; url: string; kind: string; info_request: string | null;
  }>(
    `select tg.id as group_id, gd.key as group_key, gd.title as group_title, tg.status as group_status,
            gt.id as task_id, td.key as task_key, td.title, td.description, gt.status as task_status, td.link_text, td.url, td.kind, gt.info_request
       from task_group tg join task_group_definition gd on gd.id = tg.definition_id
       join guest_task gt on gt.group_id = tg.id join guest_task_definition td on td.id = gt.definition_id
      where tg.user_id = ? and gd.dashboard_id = ? order by gd.position, td.position`,
    [person.userId, person.dashboardId],
  );
  const taskGroups: { id: number; key: string; title: string; status: string; tasks: unknown[] }[] = [];
  for (const r of rows) {
    let g = taskGroups.at(-1);
    if (g?.id !== r.group_id) taskGroups.push((g = { id: r.group_id, key: r.group_key, title: r.group_title, status: r.group_status, tasks: [] }));
    g.tasks.push({ id: r.task_id, key: r.task_key, title: r.title, description: r.description, status: r.task_status, linkText: r.link_text, url: r.url, kind: r.kind, infoRequest: r.info_request });
  }
  return { guestId: person.userId, role: person.role, name: person.name, coordinatorId: person.coordinatorId, dashboard: { id: dash!.id, version: dash!.version, title: dash!.title }, taskGroups };
}

/** get_guest_application's shape (the seed's get_app): the task's questions in order, each with its stored response or null. */
export async function applicationView(ctx: ActionContext, person: Person, taskId: number, definitionId: number) {
  await ctx.em.flush();
  const [t] = await ctx.sql<{ title: string; status: string; kind: string; info_request: string | null }>(
    'select d.title, t.status, d.kind, t.info_request from guest_task t join guest_task_definition d on d.id = t.definition_id where t.id = ?',
    [taskId],
  );
  const questions = await questionsOf(ctx, definitionId);
  const have = await responsesTo(ctx, person.userId, questions);
  return {
    taskId,
    guestId: person.userId,
    title: t!.title,
    kind: t!.kind,
    status: t!.status,
    infoRequest: t!.info_request,
    questions: questions.map((q) => ({ id: q.id, key: q.key, text: q.text, type: q.response_type, required: q.required, options: q.options, response: have.has(q.id) ? have.get(q.id) : null })),
  };
}
