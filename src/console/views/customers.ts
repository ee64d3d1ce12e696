import { badge, emptyRow, fmtDateTime, h, replace } from '../dom.js';
import { errorBox, pageHeader, read, refreshOn, type Ctx, type View } from '../context.js';
import { schemaForm } from '../schema-form.js';
import { sendWith } from './actions.js';

const PAGE = 25;

interface CustomerRow {
  id: number;
  name: string;
  createdAt: string;
  open: { documents: number; transfers: number; inquiries: number };
}

/** A create form from the registry, opened in place (the customer id filled in when there is one). */
function createPanel(ctx: Ctx, action: string, initial: Record<string, unknown>, onDone: () => void): HTMLElement | null {
  const def = ctx.action(action);
  if (!def) return null;
  const out = h('div', { class: 'outcome' });
  const form = schemaForm(def, { initial, fixed: Object.keys(initial), submitLabel: `Send ${action}`, onSubmit: sendWith(ctx, def, out, (ok) => ok && onDone()) });
  return h('div', { class: 'create-panel' }, h('h3', { class: 'mono' }, action), h('p', { class: 'muted' }, def.summary), form.el, out);
}

function toggleButton(label: string, panel: HTMLElement | null, host: HTMLElement): HTMLElement | null {
  if (!panel) return null;
  const b = h('button', { type: 'button', class: 'small', 'data-do': `open-${label.toLowerCase().replace(/\s+/g, '-')}` }, label);
  b.addEventListener('click', () => {
    const open = host.firstChild === panel;
    host.replaceChildren(...(open ? [] : [panel]));
    if (!open) panel.querySelector<HTMLElement>('input:not([readonly]), textarea, select')?.focus();
  });
  return b;
}

/** Admin: the tenant's customers (list_customers), searchable and paged, and a form to add one. */
export function customersView(ctx: Ctx): View {
  let offset = 0;
  const q = h('input', { type: 'search', placeholder: 'Search by name', class: 'filter', 'aria-label': 'Search customers' });
  const tbody = h('tbody', null, emptyRow(5, 'Loading…'));
  const pager = h('div', { class: 'pager' });
  const host = h('div', { class: 'panel-host' });
  const load = async () => {
    try {
      const r = await read<{ total: number; customers: CustomerRow[] }>(ctx, 'list_customers', { ...(q.value.trim() ? { q: q.value.trim() } : {}), limit: PAGE, offset });
      replace(
        tbody,
        r.customers.length
          ? r.customers.map((c) =>
              h(
                'tr',
                { 'data-customer': c.id },
                h('td', null, `#${c.id}`),
                h('td', null, h('a', { href: `#/customers/${c.id}` }, c.name)),
                h('td', null, ...(['documents', 'transfers', 'inquiries'] as const).map((k) => h('span', { class: `pill ${c.open[k] ? 'pill-on' : ''}`, title: `open ${k}` }, `${c.open[k]} ${k}`))),
                h('td', { class: 'nowrap muted' }, fmtDateTime(c.createdAt)),
              ),
            )
          : emptyRow(5, 'No customers match.'),
      );
      const prev = h('button', { type: 'button', class: 'small ghost', disabled: offset === 0 }, '← Newer');
      const next = h('button', { type: 'button', class: 'small ghost', disabled: offset + PAGE >= r.total }, 'Older →');
      prev.addEventListener('click', () => ((offset = Math.max(0, offset - PAGE)), void load()));
      next.addEventListener('click', () => ((offset += PAGE), void load()));
      replace(pager, prev, h('span', { class: 'muted' }, r.total ? `${offset + 1}–${Math.min(offset + PAGE, r.total)} of ${r.total}` : '0'), next);
    } catch (err) {
      replace(tbody, h('tr', null, h('td', { colspan: 5 }, errorBox(err))));
    }
  };
  let searchTimer: number | null = null;
  q.addEventListener('input', () => {
    if (searchTimer !== null) clearTimeout(searchTimer);
    searchTimer = window.setTimeout(() => ((offset = 0), void load()), 250);
  });
  void load();
  const stop = refreshOn(ctx, (row) => row.kind === 'task' && row.action === 'create_customer' && row.status === 'succeeded', () => void load());
  return {
    el: h(
      'div',
      { class: 'page' },
      pageHeader('Customers', 'Everyone your tenant works for, newest first, with their open items.', toggleButton('New customer', createPanel(ctx, 'create_customer', {}, () => void load()), host)),
      host,
      h(
        'section',
        { class: 'card' },
        h('div', { class: 'card-title' }, q, pager),
        h('table', { class: 'table' }, h('thead', null, h('tr', null, h('th', null, 'id'), h('th', null, 'name'), h('th', null, 'open items'), h('th', null, 'created'))), tbody),
      ),
    ),
    dispose: stop,
  };
}

interface CustomerDetail {
  id: number;
  name: string;
  createdAt: string;
  documents: { id: number; level: number; status: string }[];
  transfers: { id: number; level: number; status: string; amount: string }[];
  inquiries: { id: number; level: number; status: string }[];
}

/** One customer (get_customer): its documents, transfers and inquiries, and forms to create more. */
export function customerView(ctx: Ctx, params: string[]): View {
  const id = Number(params[0]);
  const host = h('div', { class: 'panel-host' });
  const body = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  const title = h('h1', null, `Customer #${id}`);
  const load = async () => {
    try {
      const c = await read<CustomerDetail>(ctx, 'get_customer', { id });
      title.textContent = c.name;
      const table = (type: 'document' | 'transfer' | 'inquiry', rows: { id: number; level: number; status: string; amount?: string }[]) =>
        h(
          'section',
          { class: 'card', 'data-items': type },
          h('h2', null, { document: 'Documents', transfer: 'Transfers', inquiry: 'Inquiries' }[type]),
          h(
            'table',
            { class: 'table' },
            h('thead', null, h('tr', null, h('th', null, 'id'), h('th', null, 'level'), h('th', null, 'status'), type === 'transfer' ? h('th', null, 'amount') : null)),
            h(
              'tbody',
              null,
              rows.length
                ? rows.map((r) =>
                    h(
                      'tr',
                      null,
                      h('td', null, h('a', { href: `#/items/${type}/${r.id}` }, `#${r.id}`)),
                      h('td', null, h('span', { class: `level level-${r.level}` }, `L${r.level}`)),
                      h('td', null, badge(r.status)),
                      type === 'transfer' ? h('td', { class: 'money' }, r.amount ?? '') : null,
                    ),
                  )
                : emptyRow(4, 'None.'),
            ),
          ),
        );
      replace(body, h('p', { class: 'muted' }, `Customer #${c.id}, since ${fmtDateTime(c.createdAt)}`), h('div', { class: 'grid3' }, table('document', c.documents), table('transfer', c.transfers), table('inquiry', c.inquiries)));
    } catch (err) {
      replace(body, errorBox(err));
    }
  };
  void load();
  const stop = refreshOn(ctx, (row) => row.kind === 'task' && /^(create_|review_|respond_|escalate_)/.test(row.action ?? '') && row.status === 'succeeded', () => void load());
  const tools = (['document', 'transfer', 'inquiry'] as const).map((t) => toggleButton(`New ${t}`, createPanel(ctx, `create_${t}`, { cid: id }, () => void load()), host));
  return {
    el: h('div', { class: 'page' }, h('header', { class: 'page-header' }, h('div', null, h('a', { href: '#/customers', class: 'back' }, '← Customers'), title), h('div', { class: 'tools' }, ...tools)), host, body),
    dispose: stop,
  };
}
