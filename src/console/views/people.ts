import { badge, emptyRow, fmtDateTime, h, replace } from '../dom.js';
import { ask, errorBox, pageHeader, read, refreshOn, submit, type Ctx, type View } from '../context.js';
import { schemaForm } from '../schema-form.js';
import { sendWith } from './actions.js';
import { historyCard, type HistoryRow } from './item.js';

interface Person {
  id: number;
  email: string;
  firstName: string | null;
  lastName: string | null;
  role: string;
  level: number;
  account: string;
  invitation: { id: number; status: string; expiresAt: string } | null;
}

const INVITATION_WRITES = /^(invite_user|reinvite|revoke_invitation|delete_invitation)$/;

/** Admin: the tenant's people (list_people) with their latest invitation, and the invite form from the registry. */
export function peopleView(ctx: Ctx): View {
  const tbody = h('tbody', null, emptyRow(6, 'Loading…'));
  const host = h('div', { class: 'panel-host' });
  const load = async () => {
    try {
      const r = await read<{ people: Person[] }>(ctx, 'list_people', {});
      replace(
        tbody,
        r.people.length
          ? r.people.map((p) =>
              h(
                'tr',
                { 'data-person': p.id },
                h('td', null, [p.firstName, p.lastName].filter(Boolean).join(' ') || '—'),
                h('td', null, p.email),
                h('td', null, p.role, ' ', h('span', { class: `level level-${p.level}` }, `L${p.level}`)),
                h('td', null, badge(p.account)),
                h('td', null, p.invitation ? h('a', { href: `#/invitations/${p.invitation.id}` }, badge(p.invitation.status)) : h('span', { class: 'muted' }, '—')),
                h('td', { class: 'nowrap muted' }, p.invitation ? fmtDateTime(p.invitation.expiresAt) : ''),
              ),
            )
          : emptyRow(6, 'Nobody yet.'),
      );
    } catch (err) {
      replace(tbody, h('tr', null, h('td', { colspan: 6 }, errorBox(err))));
    }
  };
  void load();
  const stop = refreshOn(ctx, (row) => row.kind === 'task' && INVITATION_WRITES.test(row.action ?? '') && row.status === 'succeeded', () => void load());
  const invite = ctx.action('invite_user');
  let button: HTMLElement | null = null;
  if (invite && ctx.may('invite_user')) {
    const out = h('div', { class: 'outcome' });
    const form = schemaForm(invite, { submitLabel: 'Send invitation', onSubmit: sendWith(ctx, invite, out, (ok) => ok && void load()) });
    const panel = h('div', { class: 'create-panel' }, h('h3', null, 'Invite someone'), h('p', { class: 'muted' }, invite.summary), form.el, out);
    button = h('button', { type: 'button', class: 'small', 'data-do': 'open-invite' }, 'Invite someone');
    button.addEventListener('click', () => host.replaceChildren(...(host.firstChild === panel ? [] : [panel])));
  }
  return {
    el: h(
      'div',
      { class: 'page' },
      pageHeader('People', 'Your tenant\'s users and the state of their invitations.', button),
      host,
      h('section', { class: 'card' }, h('table', { class: 'table' }, h('thead', null, h('tr', null, h('th', null, 'name'), h('th', null, 'email'), h('th', null, 'role'), h('th', null, 'account'), h('th', null, 'invitation'), h('th', null, 'expires'))), tbody)),
    ),
    dispose: stop,
  };
}

/** One invitation (get_invitation): sends, opens, clicks, expiry, its history, and reinvite / revoke. */
export function invitationView(ctx: Ctx, params: string[]): View {
  const id = Number(params[0]);
  const body = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  const load = async () => {
    try {
      const inv = await read(ctx, 'get_invitation', { id });
      const out = h('span', { class: 'row-outcome' });
      const act = (action: string, data: Record<string, unknown>) => async () => {
        out.textContent = '';
        try {
          const task = await submit(ctx, action, data);
          const row = await ctx.feed.waitFor(task.id);
          out.textContent = row.status === 'succeeded' ? `${action}: done` : `${row.error?.code}: ${row.error?.message}`;
          out.className = `row-outcome ${row.status === 'succeeded' ? 'ok' : 'error-text'}`;
        } catch (err) {
          replace(out, errorBox(err));
        }
      };
      const buttons = [
        ctx.may('reinvite') && !['registered', 'revoked'].includes(inv.status) ? h('button', { type: 'button', class: 'small', onclick: act('reinvite', { id }) }, 'Reinvite') : null,
        ctx.may('revoke_invitation') && !['registered', 'revoked'].includes(inv.status)
          ? h('button', { type: 'button', class: 'small reject', onclick: () => void ask(`Revoke the invitation of ${inv.email}`, [{ name: 'reason', label: 'Why', kind: 'textarea' }], 'Revoke').then((v) => v && act('revoke_invitation', { id, ...(v.reason ? { reason: v.reason } : {}) })()) }, 'Revoke')
          : null,
      ];
      const facts: [string, Node | string][] = [
        ['status', badge(inv.status)],
        ['email', inv.email],
        ['role', `${inv.role}, level ${inv.level}`],
        ['emails sent', `${inv.sentCount}${inv.lastSentAt ? `, last ${fmtDateTime(inv.lastSentAt)}` : ''}`],
        ['opened', `${inv.openCount} times${inv.firstOpenedAt ? `, first ${fmtDateTime(inv.firstOpenedAt)}` : ''}`],
        ['clicked', `${inv.clickCount} times${inv.firstClickedAt ? `, first ${fmtDateTime(inv.firstClickedAt)}` : ''}`],
        ['expires', fmtDateTime(inv.expiresAt)],
        ['registered', fmtDateTime(inv.registeredAt)],
      ];
      replace(
        body,
        h('section', { class: 'card' }, h('dl', { class: 'facts' }, ...facts.flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v)])), h('div', { class: 'item-actions' }, h('div', { class: 'row-buttons' }, ...buttons), out)),
        historyCard(inv.history as HistoryRow[]),
      );
    } catch (err) {
      replace(body, errorBox(err));
    }
  };
  void load();
  const stop = refreshOn(ctx, (row) => row.kind === 'task' && INVITATION_WRITES.test(row.action ?? '') && row.status === 'succeeded', () => void load());
  return { el: h('div', { class: 'page' }, h('header', { class: 'page-header' }, h('div', null, h('a', { href: '#/people', class: 'back' }, '← People'), h('h1', null, `Invitation #${id}`))), body), dispose: stop };
}
