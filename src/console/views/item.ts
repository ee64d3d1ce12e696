import { badge, emptyRow, fmtDateTime, h, replace } from '../dom.js';
import { errorBox, pageHeader, read, refreshOn, type Ctx, type View } from '../context.js';
import { itemButtons, type ItemRef } from './item-actions.js';

export interface HistoryRow {
  event: string;
  from: string | null;
  to: string;
  actor: string;
  reason: string | null;
  data: Record<string, unknown> | null;
  at: string;
}

/** The event log of one entity (who, when, from -> to, why): items and invitations share it. */
export function historyCard(history: HistoryRow[]): HTMLElement {
  return h(
    'section',
    { class: 'card' },
    h('h2', null, 'History'),
    h(
      'table',
      { class: 'table history' },
      h('thead', null, h('tr', null, h('th', null, 'when'), h('th', null, 'who'), h('th', null, 'event'), h('th', null, 'from → to'), h('th', null, 'why'))),
      h(
        'tbody',
        null,
        history.length
          ? history.map((e) =>
              h(
                'tr',
                null,
                h('td', { class: 'nowrap' }, fmtDateTime(e.at)),
                h('td', null, e.actor),
                h('td', null, e.event),
                h('td', { class: 'nowrap' }, e.from ? badge(e.from) : '—', ' → ', badge(e.to)),
                h('td', null, e.reason ?? (e.data ? Object.entries(e.data).map(([k, v]) => `${k} ${String(v)}`).join(', ') : '')),
              ),
            )
          : emptyRow(5, 'No history yet.'),
      ),
    ),
  );
}

/** One document, transfer or inquiry: its fields, the buttons to work it, and its history from the event log. */
export function itemView(ctx: Ctx, params: string[]): View {
  const type = params[0] as ItemRef['type'];
  const id = Number(params[1]);
  const body = h('div', { class: 'item-body' }, h('p', { class: 'muted' }, 'Loading…'));
  const load = async () => {
    try {
      const item = await read(ctx, `get_${type}`, { id });
      const out = h('span', { class: 'row-outcome' });
      const fields: [string, unknown][] = [
        ['status', badge(item.status)],
        ['level', item.level],
        ['customer', ctx.may('list_customers') ? h('a', { href: `#/customers/${item.customerId}` }, `#${item.customerId}`) : `#${item.customerId}`],
        ...(item.amount !== undefined ? [['amount', h('span', { class: 'money' }, item.amount)] as [string, unknown]] : []),
        ...(item.content !== undefined ? [['content', item.content] as [string, unknown]] : []),
        ...(item.problem !== undefined ? [['problem', item.problem] as [string, unknown], ['answer', item.answer ?? '—'] as [string, unknown]] : []),
        ['created', fmtDateTime(item.createdAt)],
        ['updated', fmtDateTime(item.updatedAt)],
      ];
      replace(
        body,
        h(
          'section',
          { class: 'card' },
          h('dl', { class: 'facts' }, ...fields.flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v as Node | string)])),
          h('div', { class: 'item-actions' }, itemButtons(ctx, { type, id, level: item.level, status: item.status, answer: item.answer }, out), out),
        ),
        historyCard(item.history as HistoryRow[]),
      );
    } catch (err) {
      replace(body, errorBox(err));
    }
  };
  void load();
  const stop = refreshOn(ctx, (row) => (row.kind === 'notice' && row.notice?.item?.type === type && row.notice.item.id === id) || (row.kind === 'task' && row.origin === 'sent' && row.status === 'succeeded'), () => void load());
  return { el: h('div', { class: 'page' }, pageHeader(`${type[0]!.toUpperCase()}${type.slice(1)} #${id}`, 'Its current state and every move it made, from the event log.'), body), dispose: stop };
}
