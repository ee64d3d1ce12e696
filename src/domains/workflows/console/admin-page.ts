import { errorBox, pageHeader, read, refreshOn, submit, type Ctx, type View } from '../../../console/context.js';
import { emptyRow, fmtDateTime, h, replace } from '../../../console/dom.js';
import { status } from './forms.js';
import type { TaskRow, TicketRow } from './types.js';

/** The ticket admin's page: the company's tickets and tasks, filtered by status, with cancel / resume / retry / reassign. */
export function ticketAdminPage(ctx: Ctx): View {
  const ticketFilter = h('select', { id: 'ticket-status' }, h('option', { value: '' }, 'all statuses'), ...['IN_PROGRESS', 'ON_HOLD', 'COMPLETED', 'CANCELLED'].map((s) => h('option', { value: s }, s)));
  const taskFilter = h('select', { id: 'task-status' }, h('option', { value: '' }, 'all statuses'), ...['PENDING', 'OPEN', 'IN_PROGRESS', 'ERROR', 'COMPLETED', 'CANCELLED'].map((s) => h('option', { value: s }, s)));
  const tickets = h('tbody', null, emptyRow(6, 'Loading…'));
  const tasks = h('tbody', null, emptyRow(6, 'Loading…'));
  const out = h('div', { class: 'form-status', id: 'admin-outcome' });
  const act = (action: string, data: Record<string, unknown>) => async () => {
    const task = await submit(ctx, action, data);
    const row = await ctx.feed.waitFor(task.id);
    out.textContent = row.status === 'succeeded' ? `${action}: done` : `${action}: ${row.error?.code} ${row.error?.message}`;
    void load();
  };
  const button = (label: string, action: string, data: Record<string, unknown>) => h('button', { type: 'button', class: 'small ghost', 'data-do': action, onclick: act(action, data) }, label);
  const load = async () => {
    try {
      const t = await read<{ tickets: TicketRow[] }>(ctx, 'list_tickets', ticketFilter.value ? { status: [ticketFilter.value] } : {});
      replace(tickets, t.tickets.length ? t.tickets.map((x) => h('tr', { 'data-ticket': x.id },
        h('td', null, h('a', { href: `#/ticket/${x.id}` }, `#${x.id}`)), h('td', null, x.title), h('td', null, status(x.status), x.workflow.holdReason ? h('div', { class: 'muted small' }, x.workflow.holdReason) : null),
        h('td', null, x.submitter ?? '—'), h('td', { class: 'nowrap muted' }, fmtDateTime(x.createdAt)),
        h('td', null, x.status === 'ON_HOLD' ? button('Resume', 'resume_workflow', { ticket_id: x.id }) : null, ['IN_PROGRESS', 'ON_HOLD'].includes(x.status) ? button('Cancel', 'cancel_ticket', { id: x.id }) : null))) : emptyRow(6, 'No tickets.'));
      const k = await read<{ tasks: TaskRow[] }>(ctx, 'list_workflow_tasks', taskFilter.value ? { status: [taskFilter.value] } : {});
      replace(tasks, k.tasks.length ? k.tasks.map((x) => h('tr', { 'data-task': x.id },
        h('td', null, `#${x.id}`), h('td', null, x.title, h('div', { class: 'muted small' }, `${x.taskType} · ticket #${x.ticketId}`)), h('td', null, status(x.status), x.error ? h('div', { class: 'muted small' }, `${x.error.code}: ${x.error.message}`) : null),
        h('td', null, x.assignee ?? '—'), h('td', { class: 'nowrap muted' }, fmtDateTime(x.updatedAt)),
        h('td', null, x.status === 'ERROR' ? button('Retry', 'retry_workflow_task', { id: x.id }) : null, x.taskType === 'FORM' && ['PENDING', 'OPEN', 'IN_PROGRESS'].includes(x.status) ? button('Reassign', 'reassign_workflow_task', { id: x.id }) : null))) : emptyRow(6, 'No tasks.'));
    } catch (err) {
      replace(tickets, h('tr', null, h('td', { colspan: 6 }, errorBox(err))));
    }
  };
  ticketFilter.addEventListener('change', () => void load());
  taskFilter.addEventListener('change', () => void load());
  void load();
  const stop = refreshOn(ctx, (row) => row.kind === 'notice' && /^(ticket|workflow_task)\./.test(String(row.notice?.type ?? '')), () => void load());
  const head = (...cols: string[]) => h('thead', null, h('tr', null, ...cols.map((c) => h('th', null, c))));
  const el = h(
    'div',
    { class: 'page', id: 'ticket-admin-page' },
    pageHeader('Tickets and tasks', 'Every ticket and task of the company.', out),
    h('section', { class: 'card' }, h('div', { class: 'card-title' }, h('h2', null, 'Tickets'), ticketFilter), h('table', { class: 'table', id: 'admin-tickets' }, head('id', 'type', 'status', 'submitter', 'submitted', ''), tickets)),
    h('section', { class: 'card' }, h('div', { class: 'card-title' }, h('h2', null, 'Tasks'), taskFilter), h('table', { class: 'table', id: 'admin-tasks' }, head('id', 'task', 'status', 'assignee', 'updated', ''), tasks)),
  );
  return { el, dispose: stop };
}
