import { ApiError } from '../../../console/api.js';
import { errorBox, pageHeader, read, refreshOn, submit, type Ctx, type View } from '../../../console/context.js';
import { emptyRow, fmtDateTime, h, jsonDetails, replace } from '../../../console/dom.js';
import { dataForm, dataList, status, unwrapIssues } from './forms.js';
import type { ExtRef, TicketDetail, TicketRow as Ticket, TicketType } from './types.js';

/** The user's page: submit a ticket of a type they may use (form from the type's fields), and their tickets. */
export function ticketsPage(ctx: Ctx): View {
  const typeSelect = h('select', { id: 'ticket-type', name: 'ticket-type' });
  const formBox = h('div', { class: 'ticket-form' });
  const outcome = h('div', { class: 'form-status', id: 'submit-outcome' });
  const tbody = h('tbody', null, emptyRow(5, 'Loading…'));
  let types: TicketType[] = [];
  const showForm = () => {
    const t = types.find((x) => String(x.id) === typeSelect.value);
    if (!t) return replace(formBox, h('p', { class: 'muted' }, 'No ticket type is open to you.'));
    const form = dataForm('submit_ticket', t.data_schema, t.edit_layout, async (data, f) => {
      try {
        const task = await submit(ctx, 'submit_ticket', { ticket_definition_id: t.id, data });
        const row = await ctx.feed.waitFor(task.id);
        if (row.status !== 'succeeded') return f.showError(unwrapIssues(row.error ?? { code: 'INTERNAL', message: 'failed' }, 'data'));
        outcome.textContent = `Ticket #${(row.result as { id: number }).id} submitted.`;
        f.el.reset();
        void loadTickets();
      } catch (err) {
        if (err instanceof ApiError) f.showError(unwrapIssues(err.body, 'data'));
        else throw err;
      }
    }, 'Submit ticket');
    replace(formBox, t.description ? h('p', { class: 'muted' }, t.description) : null, form.el);
  };
  typeSelect.addEventListener('change', showForm);
  const loadTickets = async () => {
    try {
      const r = await read<{ tickets: Ticket[] }>(ctx, 'my_tickets', { limit: 100 });
      replace(tbody, r.tickets.length ? r.tickets.map((t) => h('tr', { 'data-ticket': t.id }, h('td', null, h('a', { href: `#/ticket/${t.id}` }, `#${t.id}`)), h('td', null, t.title), h('td', null, status(t.status)), h('td', null, t.workflow.currentTask ?? '—'), h('td', { class: 'nowrap muted' }, fmtDateTime(t.createdAt)))) : emptyRow(5, 'No tickets yet.'));
    } catch (err) {
      replace(tbody, h('tr', null, h('td', { colspan: 5 }, errorBox(err))));
    }
  };
  void (async () => {
    try {
      types = (await read<{ ticketDefinitions: TicketType[] }>(ctx, 'list_ticket_definitions', {})).ticketDefinitions;
      replace(typeSelect, ...types.map((t) => h('option', { value: String(t.id) }, t.title)));
      showForm();
    } catch (err) {
      replace(formBox, errorBox(err));
    }
  })();
  void loadTickets();
  const stop = refreshOn(ctx, (row) => row.kind === 'notice' && String(row.notice?.type ?? '').startsWith('ticket.'), () => void loadTickets());
  const el = h(
    'div',
    { class: 'page', id: 'tickets-page' },
    pageHeader('Tickets', 'Submit a ticket and follow it.'),
    h('div', { class: 'grid3' },
      h('section', { class: 'card' }, h('div', { class: 'card-title' }, h('h2', null, 'New ticket')), h('label', { for: 'ticket-type' }, 'Type'), typeSelect, formBox, outcome),
      h('section', { class: 'card' }, h('div', { class: 'card-title' }, h('h2', null, 'My tickets')), h('table', { class: 'table', id: 'my-tickets' }, h('thead', null, h('tr', null, h('th', null, 'id'), h('th', null, 'type'), h('th', null, 'status'), h('th', null, 'current task'), h('th', null, 'submitted'))), tbody)),
    ),
  );
  return { el, dispose: stop };
}

/** Whether a reference's URI may be a link: only http and https (never javascript:, data: and the like). */
export function linkable(uri: string): boolean {
  try {
    const u = new URL(uri);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** A definition's external references: each label links to its URI when that is http/https, else the URI is shown as text. */
function extRefList(refs: ExtRef[] | null | undefined, id: string): HTMLElement | null {
  if (!refs?.length) return null;
  return h('ul', { class: 'ext-refs', id },
    ...refs.map((r) => h('li', null,
      linkable(r.uri) ? h('a', { href: r.uri, target: '_blank', rel: 'noopener noreferrer' }, r.label) : h('span', null, r.label, ' ', h('code', null, r.uri)),
      r.desc ? h('span', { class: 'muted' }, ` — ${r.desc}`) : null,
    )),
  );
}

/** One ticket with its workflow's progress (tasks and history). */
export function ticketPage(ctx: Ctx, params: string[]): View {
  const body = h('div', null, 'Loading…');
  const load = async () => {
    try {
      const t = await read<TicketDetail>(ctx, 'get_ticket', { id: Number(params[0]) });
      replace(
        body,
        pageHeader(`Ticket #${t.id}: ${t.title}`, h('span', null, status(t.status), ` workflow ${t.workflow.title} v${t.workflow.version}`, t.workflow.holdReason ? ` — ${t.workflow.holdReason}` : '')),
        h('div', { class: 'grid3' },
          h('section', { class: 'card' }, h('h2', null, 'Data'), dataList(t.data), t.ext_ref?.length || t.workflow.ext_ref?.length ? h('h2', null, 'References') : null, extRefList([...(t.ext_ref ?? []), ...(t.workflow.ext_ref ?? [])], 'ticket-refs'), h('h2', null, 'Steps'), h('ol', { class: 'steps' }, ...t.steps.map((s) => h('li', { class: s.key === t.workflow.currentTask ? 'current' : '' }, `${s.title} (${s.taskType})`)))),
          h('section', { class: 'card' }, h('h2', null, 'Tasks'), h('table', { class: 'table', id: 'ticket-tasks' }, h('thead', null, h('tr', null, h('th', null, 'task'), h('th', null, 'status'), h('th', null, 'assignee'), h('th', null, 'output'))), h('tbody', null, ...t.tasks.map((x) => h('tr', { 'data-task': x.id }, h('td', null, x.title, extRefList(x.ext_ref, `task-refs-${x.id}`)), h('td', null, status(x.status)), h('td', null, x.assignee ?? '—'), h('td', null, x.error ? `${x.error.code}: ${x.error.message}` : x.output ? JSON.stringify(x.output) : '—')))))),
        ),
        jsonDetails('History', t.history),
      );
    } catch (err) {
      replace(body, errorBox(err));
    }
  };
  void load();
  const stop = refreshOn(ctx, (row) => row.kind === 'notice' && (row.notice?.item as { id?: number } | undefined)?.id === Number(params[0]), () => void load());
  return { el: h('div', { class: 'page', id: 'ticket-page' }, body), dispose: stop };
}
