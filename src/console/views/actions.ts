import type { CatalogueEntry } from '../api.js';
import { badge, h, jsonDetails, replace } from '../dom.js';
import { pageHeader, submit, type Ctx, type View } from '../context.js';
import { isFinal } from '../feed.js';
import { schemaForm, type SchemaForm } from '../schema-form.js';

/**
 * Sends the task and shows its id at once, then follows it on the feed: the
 * badge moves queued -> running -> succeeded / failed, the result or the error
 * (next to the field it names) appears under the form.
 */
export function sendWith(ctx: Ctx, action: CatalogueEntry, out: HTMLElement, onDone?: (ok: boolean, result: unknown) => void) {
  return async (data: Record<string, unknown>, form: SchemaForm) => {
    const task = await submit(ctx, action.name, data);
    if (action.mode === 'inline') {
      replace(out, h('div', { class: 'sent' }, badge('succeeded'), ' answered at once'), jsonDetails('result', task.result, true));
      onDone?.(true, task.result);
      return;
    }
    replace(out, h('div', { class: 'sent', 'data-task-id': task.id }, 'Task ', h('strong', { class: 'task-id' }, `#${task.id}`), ' ', badge(task.status)));
    // A later send replaces this outcome; from then on this task's updates leave it alone.
    const current = () => out.querySelector('.sent')?.getAttribute('data-task-id') === String(task.id);
    const setBadge = (value: string) => current() && out.querySelector('.sent .badge')?.replaceWith(badge(value));
    void ctx.feed.waitFor(task.id).then((row) => {
      if (!current()) return;
      setBadge(row.status!);
      if (row.status === 'succeeded') {
        out.append(jsonDetails('result', row.result, true));
        onDone?.(true, row.result);
      } else if (row.error) {
        form.showError(row.error);
        onDone?.(false, row.error);
      }
    });
    const stop = ctx.feed.onRow((row) => {
      if (row.taskId !== task.id) return;
      if (!isFinal(row.status)) setBadge(row.status!);
      else stop();
    });
  };
}

/** Every action the role may run, each with its generated form. */
export function actionsView(ctx: Ctx, params: string[]): View {
  const selected = ctx.action(params[0] ?? '') ?? ctx.actions[0];
  const filter = h('input', { type: 'search', placeholder: 'Filter actions', class: 'filter', 'aria-label': 'Filter actions' });
  const list = h(
    'ul',
    { class: 'action-list' },
    ...ctx.actions.map((a) =>
      h(
        'li',
        { 'data-name': a.name, class: a === selected ? 'active' : '' },
        h('a', { href: `#/actions/${a.name}` }, h('span', { class: 'action-name' }, a.name), h('span', { class: 'action-summary' }, a.summary)),
      ),
    ),
  );
  filter.addEventListener('input', () => {
    const q = filter.value.toLowerCase();
    for (const li of list.children) (li as HTMLElement).hidden = !!q && !li.textContent!.toLowerCase().includes(q);
  });

  const detail = h('section', { class: 'card action-detail' });
  if (selected) {
    const out = h('div', { class: 'outcome' });
    const form = schemaForm(selected, { onSubmit: sendWith(ctx, selected, out) });
    replace(
      detail,
      h('h2', { class: 'mono' }, selected.name),
      h('p', null, selected.summary),
      h(
        'p',
        { class: 'meta' },
        h('span', { class: 'chip' }, selected.mode === 'inline' ? 'answered at once' : `${selected.worker} queue`),
        ' ',
        h('span', { class: 'chip' }, `roles: ${selected.roles === 'public' ? 'anyone' : selected.roles.join(', ')}`),
      ),
      form.el,
      out,
      jsonDetails('JSON Schema', selected.schema),
    );
  } else replace(detail, h('p', { class: 'muted' }, 'Your role may not run any action.'));

  return {
    el: h(
      'div',
      { class: 'page' },
      pageHeader('Actions', `Every action your role may run, with a form built from its schema. Results arrive in the live feed.`),
      h('div', { class: 'split' }, h('nav', { class: 'card action-nav' }, filter, list), detail),
    ),
  };
}
