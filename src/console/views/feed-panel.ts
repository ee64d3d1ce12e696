import { badge, fmtTime, h, jsonDetails, replace } from '../dom.js';
import type { Ctx } from '../context.js';
import type { FeedRow } from '../feed.js';

const MAX_VISIBLE = 200;

/** Reads (list_*, search_*, get_* except get_task, which takes an item) are hidden unless asked for. */
const isRead = (action = '') => /^(list|search)_/.test(action) || (/^get_/.test(action) && action !== 'get_task');

function summaryOf(row: FeedRow): string {
  if (row.kind === 'notice') {
    const n = row.notice!;
    const item = n.item ? `${n.item.type} #${n.item.id}` : '';
    return `${n.type.replace(/[._]/g, ' ')} ${item}`.trim();
  }
  if (row.error) return `${row.error.code}: ${row.error.message}`;
  const r = row.result as Record<string, unknown> | null | undefined;
  if (r && typeof r === 'object') {
    const bits = ['type', 'id', 'name', 'status', 'amount', 'level', 'total'].filter((k) => r[k] !== undefined && typeof r[k] !== 'object').map((k) => `${k} ${String(r[k])}`);
    if (bits.length) return bits.join(' · ');
  }
  return row.status === 'queued' ? 'waiting for a worker' : row.status === 'running' ? 'running…' : '';
}

/**
 * The live feed: every result and notice of the user, newest first, status
 * updating in place (queued -> running -> succeeded / failed), JSON on demand.
 */
export function feedPanel(ctx: Ctx): HTMLElement {
  const list = h('ol', { class: 'feed-list', 'aria-live': 'polite' });
  const showReads = h('input', { type: 'checkbox', id: 'feed-show-reads' });
  const count = h('span', { class: 'feed-count muted' });
  const items = new Map<string, HTMLElement>();

  const visible = (row: FeedRow) => showReads.checked || row.kind === 'notice' || row.origin === 'sent' || (row.origin !== 'view' && !isRead(row.action));

  const render = (row: FeedRow): HTMLElement => {
    const li = h(
      'li',
      { class: `feed-row feed-${row.kind} status-${row.status ?? 'notice'}`, 'data-key': row.key, 'data-task-id': row.taskId, 'data-seq': row.seq, 'data-status': row.status ?? 'notice', 'data-action': row.action },
      h(
        'div',
        { class: 'feed-head' },
        h('time', { datetime: new Date(row.at).toISOString(), title: 'when the task finished (a result sent from here: when it was sent)' }, fmtTime(row.at)),
        row.kind === 'task' ? h('span', { class: 'feed-action' }, row.action) : h('span', { class: 'feed-action notice-label' }, 'notice'),
        row.kind === 'task' ? badge(row.status ?? 'queued') : null,
        row.taskId ? h('span', { class: 'feed-id muted' }, `#${row.taskId}`) : null,
      ),
      h('div', { class: `feed-summary ${row.error ? 'error-text' : ''}` }, summaryOf(row)),
      row.result !== undefined || row.error || row.notice ? jsonDetails('details', row.error ? { error: row.error } : row.notice ? row.notice : row.result) : null,
    );
    return li;
  };

  const upsert = (row: FeedRow) => {
    const old = items.get(row.key);
    if (!visible(row)) {
      old?.remove();
      items.delete(row.key);
      return;
    }
    const li = render(row);
    const wasOpen = old?.querySelector('details')?.open;
    if (wasOpen) li.querySelector('details')?.setAttribute('open', '');
    if (old) old.replaceWith(li);
    else list.prepend(li);
    items.set(row.key, li);
    // A long history (a first login replays everything kept) stays a short list: the oldest rows drop off.
    while (list.children.length > MAX_VISIBLE) {
      const last = list.lastElementChild as HTMLElement;
      items.delete(last.dataset.key ?? '');
      last.remove();
    }
    count.textContent = `${items.size} shown`;
  };

  const renderAll = () => {
    replace(list);
    items.clear();
    const rows = [...ctx.feed.rows.values()].sort((a, b) => a.at - b.at || (a.seq ?? 0) - (b.seq ?? 0));
    for (const row of rows) upsert(row);
    count.textContent = `${items.size} shown`;
  };
  showReads.addEventListener('change', renderAll);
  renderAll();
  ctx.feed.onRow((row) => upsert(row));

  return h(
    'aside',
    { class: 'feed-panel', id: 'feed' },
    h('div', { class: 'feed-header' }, h('h2', null, 'Live results'), count, h('label', { class: 'toggle', for: 'feed-show-reads' }, showReads, ' show reads')),
    list,
  );
}
