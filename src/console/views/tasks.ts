import { ApiError } from '../api.js';
import { badge, emptyRow, fmtDateTime, h, jsonDetails, replace } from '../dom.js';
import { pageHeader, read, type Ctx, type View } from '../context.js';

const PAGE = 25;
const STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];

interface TaskRow {
  id: number;
  action: string;
  status: string;
  actor: string;
  input: unknown;
  result: unknown;
  error: { code: string; message: string } | null;
  attempts: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

function duration(t: TaskRow): string {
  if (!t.finishedAt) return '';
  const ms = new Date(t.finishedAt).getTime() - new Date(t.startedAt ?? t.createdAt).getTime();
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Admin: every task of the tenant (search_tasks), by action, status, actor, date and a field of the input, paged. */
export function tasksView(ctx: Ctx): View {
  let offset = 0;
  const names = ctx.catalogue.filter((a) => a.mode === 'queued').map((a) => a.name);
  const field = (name: string, label: string, input: HTMLElement) => h('div', { class: 'field', 'data-field': name }, h('label', null, label), input, h('div', { class: 'field-error' }));
  const action = h('select', { name: 'action' }, h('option', { value: '' }, 'any'), ...names.map((n) => h('option', { value: n }, n)));
  const status = h('select', { name: 'status' }, h('option', { value: '' }, 'any'), ...STATUSES.map((s) => h('option', { value: s }, s)));
  const actor = h('input', { name: 'actor', type: 'text', placeholder: 'email, or "system"' });
  const from = h('input', { name: 'from', type: 'date' });
  const to = h('input', { name: 'to', type: 'date' });
  const path = h('input', { name: 'field', type: 'text', placeholder: 'input field, e.g. cid' });
  const value = h('input', { name: 'value', type: 'text', placeholder: 'value, e.g. 12' });
  const formError = h('div', { class: 'form-error', role: 'alert' });
  const form = h(
    'form',
    { class: 'card filters', novalidate: true },
    field('action', 'Action', action),
    field('status', 'Status', status),
    field('actor', 'Actor', actor),
    field('from', 'From', from),
    field('to', 'To (inclusive)', to),
    field('field', 'Input field', path),
    field('value', 'equals', value),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'primary' }, 'Search')),
    formError,
  );
  const tbody = h('tbody', null, emptyRow(7, 'Loading…'));
  const pager = h('div', { class: 'pager' });

  const query = () => {
    const day = (v: string, plus: number) => {
      const d = new Date(`${v}T00:00:00`);
      d.setDate(d.getDate() + plus);
      return d.toISOString();
    };
    return {
      ...(action.value ? { action: action.value } : {}),
      ...(status.value ? { status: status.value } : {}),
      ...(actor.value.trim() ? { actor: actor.value.trim() } : {}),
      ...(from.value ? { from: day(from.value, 0) } : {}),
      ...(to.value ? { to: day(to.value, 1) } : {}),
      ...(path.value.trim() ? { field: path.value.trim() } : {}),
      ...(value.value !== '' ? { value: value.value } : {}),
      limit: PAGE,
      offset,
    };
  };

  const load = async () => {
    for (const el of form.querySelectorAll('.field')) {
      el.classList.remove('invalid');
      el.querySelector('.field-error')!.textContent = '';
    }
    replace(formError);
    try {
      const r = await read<{ total: number; tasks: TaskRow[] }>(ctx, 'search_tasks', query());
      replace(
        tbody,
        r.tasks.length
          ? r.tasks.map((t) =>
              h(
                'tr',
                { 'data-task-id': t.id },
                h('td', null, `#${t.id}`),
                h('td', { class: 'nowrap muted' }, fmtDateTime(t.createdAt)),
                h('td', { class: 'mono' }, t.action),
                h('td', null, t.actor),
                h('td', null, badge(t.status), t.attempts > 1 ? h('span', { class: 'muted small' }, ` ${t.attempts} attempts`) : null),
                h('td', { class: 'nowrap muted' }, duration(t)),
                h('td', null, jsonDetails('input', t.input), t.error ? jsonDetails('error', t.error) : t.result !== null ? jsonDetails('result', t.result) : null),
              ),
            )
          : emptyRow(7, 'No task matches.'),
      );
      const prev = h('button', { type: 'button', class: 'small ghost', disabled: offset === 0 }, '← Newer');
      const next = h('button', { type: 'button', class: 'small ghost', disabled: offset + PAGE >= r.total }, 'Older →');
      prev.addEventListener('click', () => ((offset = Math.max(0, offset - PAGE)), void load()));
      next.addEventListener('click', () => ((offset += PAGE), void load()));
      replace(pager, prev, h('span', { class: 'muted' }, r.total ? `${offset + 1}–${Math.min(offset + PAGE, r.total)} of ${r.total}` : '0 tasks'), next);
    } catch (err) {
      const body = err instanceof ApiError ? err.body : { code: 'INTERNAL', message: String(err) };
      let placed = false;
      for (const issue of body.details?.issues ?? []) {
        const el = form.querySelector(`.field[data-field="${CSS.escape(issue.path)}"]`);
        if (!el) continue;
        el.classList.add('invalid');
        el.querySelector('.field-error')!.textContent = issue.message;
        placed = true;
      }
      if (!placed) replace(formError, h('strong', null, body.code), ' ', body.message);
      replace(tbody, emptyRow(7, 'Fix the search above.'));
    }
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    offset = 0;
    void load();
  });
  void load();
  return {
    el: h(
      'div',
      { class: 'page' },
      pageHeader('Tasks', 'Every task of your tenant, newest first: who sent what, how it ended.'),
      form,
      h('section', { class: 'card' }, h('div', { class: 'card-title' }, h('h2', null, 'Results'), pager), h('table', { class: 'table tasks' }, h('thead', null, h('tr', null, h('th', null, 'id'), h('th', null, 'created'), h('th', null, 'action'), h('th', null, 'actor'), h('th', null, 'status'), h('th', null, 'took'), h('th', null, ''))), tbody)),
    ),
  };
}
