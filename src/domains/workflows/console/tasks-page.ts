import { ApiError } from '../../../console/api.js';
import { errorBox, pageHeader, read, refreshOn, submit, type Ctx, type View } from '../../../console/context.js';
import { fmtDateTime, h, replace } from '../../../console/dom.js';
import { dataForm, dataList, status, unwrapIssues } from './forms.js';
import type { TaskRow as Task } from './types.js';

/** The task worker's page: availability, and each open task with the form generated from its output schema. */
export function myTasksPage(ctx: Ctx): View {
  const list = h('div', { class: 'task-cards', id: 'my-tasks' }, 'Loading…');
  const avail = h('span', { class: 'muted', id: 'availability' });
  const toggle = (available: boolean) => async () => {
    const task = await submit(ctx, 'set_availability', { available });
    const row = await ctx.feed.waitFor(task.id);
    avail.textContent = row.status === 'succeeded' ? (available ? 'You take new tasks.' : 'You take no new tasks.') : `${row.error?.code}`;
    void load();
  };
  const cards = new Map<number, HTMLElement>();
  const load = async () => {
    try {
      const { tasks } = await read<{ tasks: Task[] }>(ctx, 'list_my_tasks', {});
      // A card already shown is kept as it is: a refresh never wipes what the worker is typing.
      const kept = new Map([...cards].filter(([id]) => tasks.some((t) => t.id === id)));
      cards.clear();
      for (const t of tasks) cards.set(t.id, kept.get(t.id) ?? card(t));
      replace(list, tasks.length ? [...cards.values()] : h('p', { class: 'muted' }, 'Nothing assigned to you.'));
    } catch (err) {
      replace(list, errorBox(err));
    }
  };
  const card = (t: Task) => {
    const done = h('div', { class: 'form-status' });
    const form = dataForm('complete_workflow_task', t.output_schema, t.edit_layout, async (output, f) => {
      try {
        const task = await submit(ctx, 'complete_workflow_task', { id: t.id, output });
        const row = await ctx.feed.waitFor(task.id);
        if (row.status !== 'succeeded') return f.showError(unwrapIssues(row.error ?? { code: 'INTERNAL', message: 'failed' }, 'output'));
        done.textContent = 'Completed.';
        void load();
      } catch (err) {
        if (err instanceof ApiError) f.showError(unwrapIssues(err.body, 'output'));
        else throw err;
      }
    }, 'Complete task');
    return h(
      'section',
      { class: 'card', 'data-task': t.id },
      h('div', { class: 'card-title' }, h('h2', null, `${t.title} `, status(t.status)), h('a', { href: `#/ticket/${t.ticketId}` }, `${t.ticketTitle} #${t.ticketId}`)),
      t.description ? h('p', { class: 'muted' }, t.description) : null,
      h('p', { class: 'muted small' }, `assigned ${fmtDateTime(t.assignedAt)}`),
      h('h3', null, 'Input'),
      dataList(t.input),
      h('h3', null, 'Your answer'),
      form.el,
      done,
    );
  };
  void load();
  const stop = refreshOn(ctx, (row) => row.kind === 'notice' && String(row.notice?.type ?? '').startsWith('workflow_task.'), () => void load());
  const el = h(
    'div',
    { class: 'page', id: 'my-tasks-page' },
    pageHeader('My tasks', 'Tasks assigned to you, shortest list first.', avail, h('button', { type: 'button', class: 'small', 'data-do': 'available', onclick: toggle(true) }, 'Available'), h('button', { type: 'button', class: 'small ghost', 'data-do': 'unavailable', onclick: toggle(false) }, 'Away')),
    list,
  );
  return { el, dispose: stop };
}
