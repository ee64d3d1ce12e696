import { badge, emptyRow, fmtDateTime, h, replace } from '../dom.js';
import { errorBox, pageHeader, read, refreshOn, submit, type Ctx, type View } from '../context.js';
import type { FeedRow } from '../feed.js';
import { itemButtons, type ItemRef } from './item-actions.js';

/** Writes that change what a queue shows; their results (and queue notices) refresh it. */
const PLURAL = { document: 'Documents', transfer: 'Transfers', inquiry: 'Inquiries' } as const;

const QUEUE_WRITES = /^(review_|respond_|escalate_task$|get_task$|create_(document|transfer|inquiry)$)/;

interface QueueItem extends ItemRef {
  customerId: number;
  amount?: string;
  content?: string;
  problem?: string;
  takenBy: number | null;
  createdAt: string;
}

function detailCell(item: QueueItem): string {
  return item.amount ?? item.content ?? item.problem ?? '';
}

/**
 * A live work queue: the items of `types` waiting at or below the user's level
 * (list_queue), refreshed whenever a notice or one of the user's writes says
 * something changed. An approved or closed item leaves it.
 */
export function queueView(ctx: Ctx, types: ItemRef['type'][], title: string): View {
  const sections = types.map((type) => {
    const tbody = h('tbody', null, emptyRow(7, 'Loading…'));
    const counter = h('span', { class: 'count' });
    const take = ctx.may('get_task')
      ? h('button', { type: 'button', class: 'small ghost', 'data-do': 'take-next' }, 'Take next')
      : null;
    const takeOut = h('span', { class: 'row-outcome' });
    take?.addEventListener('click', () => {
      takeOut.textContent = '';
      void submit(ctx, 'get_task', { type })
        .then((t) => ctx.feed.waitFor(t.id))
        .then((row) => {
          if (row.status !== 'succeeded') takeOut.textContent = `${row.error?.code}: ${row.error?.message}`;
          else ctx.navigate(`#/items/${type}/${(row.result as { id: number }).id}`);
        });
    });
    const section = h(
      'section',
      { class: 'card queue', 'data-queue': type },
      h('div', { class: 'card-title' }, h('h2', null, `${PLURAL[type]} `, counter), h('div', { class: 'tools' }, takeOut, take)),
      h(
        'table',
        { class: 'table' },
        h('thead', null, h('tr', null, h('th', null, 'id'), h('th', null, 'customer'), h('th', null, 'level'), h('th', null, 'status'), h('th', null, type === 'transfer' ? 'amount' : type === 'inquiry' ? 'problem' : 'content'), h('th', null, 'created'), h('th', null, ''))),
        tbody,
      ),
    );
    const load = async () => {
      try {
        const r = await read<{ items: QueueItem[] }>(ctx, 'list_queue', { type, limit: 100 });
        counter.textContent = String(r.items.length);
        replace(
          tbody,
          r.items.length
            ? r.items.map((item) => {
                const out = h('span', { class: 'row-outcome' });
                return h(
                  'tr',
                  { 'data-item': `${type}-${item.id}` },
                  h('td', null, h('a', { href: `#/items/${type}/${item.id}` }, `#${item.id}`)),
                  h('td', null, ctx.may('list_customers') ? h('a', { href: `#/customers/${item.customerId}` }, `#${item.customerId}`) : `#${item.customerId}`),
                  h('td', null, h('span', { class: `level level-${item.level}` }, `L${item.level}`)),
                  h('td', null, badge(item.status), item.takenBy === ctx.user.id ? h('span', { class: 'muted small' }, ' you') : null),
                  h('td', { class: `clip ${item.amount ? 'money' : ''}` }, detailCell(item)),
                  h('td', { class: 'nowrap muted' }, fmtDateTime(item.createdAt)),
                  h('td', { class: 'actions-cell' }, itemButtons(ctx, { ...item, type }, out), out),
                );
              })
            : emptyRow(7, 'Nothing waiting at your level.'),
        );
      } catch (err) {
        replace(tbody, h('tr', null, h('td', { colspan: 7 }, errorBox(err))));
      }
    };
    return { type, section, load };
  });
  for (const s of sections) void s.load();
  const relevant = (type: string) => (row: FeedRow) =>
    (row.kind === 'notice' && (row.notice?.item?.type === type || !row.notice?.item)) || (row.kind === 'task' && QUEUE_WRITES.test(row.action ?? '') && row.status !== 'queued' && row.status !== 'running');
  const stops = sections.map((s) => refreshOn(ctx, relevant(s.type), () => void s.load()));
  return {
    el: h('div', { class: 'page' }, pageHeader(title, `Items at or below your level ${ctx.user.level}, oldest first; it updates as work happens.`), ...sections.map((s) => s.section)),
    dispose: () => stops.forEach((s) => s()),
  };
}
