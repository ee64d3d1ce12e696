import { errorBox, pageHeader, read, refreshOn, type Ctx, type View } from '../../../console/context.js';
import { emptyRow, h, replace } from '../../../console/dom.js';
import './guests.css';
import { statusPill } from './common.js';

interface Row {
  id: number;
  email: string;
  firstName: string | null;
  lastName: string | null;
  role: string;
  account: string;
  version: number;
  currentGroup: { id: number; title: string; status: string } | null;
  currentTask: { id: number; title: string; status: string } | null;
  waitingOnInformation: number;
}

/** A coordinator's guests and hosts (the provider admin: everyone's), each with their current group and task. */
export function guestListView(ctx: Ctx): View {
  const tbody = h('tbody', null, emptyRow(6, 'Loading…'));
  const load = async () => {
    try {
      const r = await read<{ guests: Row[] }>(ctx, 'list_guests', {});
      replace(
        tbody,
        r.guests.length
          ? r.guests.map((g) =>
              h(
                'tr',
                { 'data-guest': g.email },
                h('td', null, h('a', { href: `#/guests/${g.id}` }, [g.firstName, g.lastName].filter(Boolean).join(' ') || g.email)),
                h('td', null, g.email),
                h('td', null, g.role, g.account !== 'active' ? h('span', { class: 'muted' }, ` (${g.account})`) : null),
                h('td', null, g.currentGroup ? [g.currentGroup.title, ' ', statusPill(g.currentGroup.status)] : statusPill('Complete')),
                h('td', null, g.currentTask ? [g.currentTask.title, ' ', statusPill(g.currentTask.status)] : '—'),
                h('td', null, g.waitingOnInformation ? String(g.waitingOnInformation) : ''),
              ),
            )
          : emptyRow(6, 'No guests yet.'),
      );
    } catch (err) {
      replace(tbody, h('tr', null, h('td', { colspan: 6 }, errorBox(err))));
    }
  };
  void load();
  const stop = refreshOn(ctx, (row, m) => m.type === 'notice' || (row.kind === 'task' && /guest/.test(row.action ?? '') && row.status === 'succeeded'), () => void load());
  const head = h('thead', null, h('tr', null, ...['name', 'email', 'role', 'current group', 'current task', 'waiting on information'].map((c) => h('th', null, c))));
  return {
    el: h('div', { class: 'page' }, pageHeader('Guests', 'Your guests and hosts, where each one is, and who owes an answer.'), h('section', { class: 'card' }, h('table', { class: 'table gw-list' }, head, tbody))),
    dispose: stop,
  };
}
