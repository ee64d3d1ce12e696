import { ApiError } from '../../../console/api.js';
import { ask, errorBox, pageHeader, read, refreshOn, submit, type Ctx, type View } from '../../../console/context.js';
import { badge, emptyRow, fmtDateTime, h, replace } from '../../../console/dom.js';

interface Overlap {
  id: number;
  topic: string;
  startsAt: string;
  endsAt: string;
}

interface BookingRow {
  id: number;
  topic: string;
  startsAt: string;
  endsAt: string;
  durationMinutes: number;
  address: { street: string; city: string; state: string; country: string; postal_code: string };
  status: string;
  reason: string | null;
  requesterEmail: string;
  decidedByEmail: string | null;
  overlaps?: Overlap[];
}

const BOOKING_WRITES = /^(submit_booking|accept_booking|reject_booking|delete_booking)$/;
const place = (a: BookingRow['address']) => `${a.street}, ${a.city}, ${a.country}`;
const when = (b: BookingRow) => `${fmtDateTime(b.startsAt)} · ${b.durationMinutes} min`;

/** Follows a task to its end; the outcome line says what happened (bureau's code and message on a refusal). */
async function runAndShow(ctx: Ctx, out: HTMLElement, action: string, data: Record<string, unknown>, done: string): Promise<boolean> {
  replace(out);
  try {
    const task = await submit(ctx, action, data);
    const row = await ctx.feed.waitFor(task.id);
    const ok = row.status === 'succeeded';
    out.textContent = ok ? done : `${row.error?.code}: ${row.error?.message}`;
    out.className = `row-outcome ${ok ? 'ok' : 'error-text'}`;
    return ok;
  } catch (err) {
    replace(out, errorBox(err));
    return false;
  }
}

function statusFilter(onChange: (status: string) => void): HTMLSelectElement {
  const select = h('select', { 'aria-label': 'Status', 'data-filter': 'status' }, ...['', 'pending', 'accepted', 'rejected'].map((s) => h('option', { value: s }, s || 'any status')));
  select.addEventListener('change', () => onChange(select.value));
  return select;
}

/** The requester's own bookings (list_bookings) and the form to ask for one (submit_booking). */
export function myBookingsView(ctx: Ctx): View {
  const tbody = h('tbody', null, emptyRow(5, 'Loading…'));
  let status = '';
  const load = async () => {
    try {
      const r = await read<{ bookings: BookingRow[] }>(ctx, 'list_bookings', status ? { status } : {});
      replace(
        tbody,
        r.bookings.length
          ? r.bookings.map((b) =>
              h(
                'tr',
                { 'data-booking': b.id },
                h('td', null, h('strong', null, b.topic), h('div', { class: 'muted' }, `#${b.id}`)),
                h('td', { class: 'nowrap' }, when(b)),
                h('td', null, place(b.address)),
                h('td', null, badge(b.status)),
                h('td', { class: 'muted' }, b.reason ?? (b.decidedByEmail ? `by ${b.decidedByEmail}` : '')),
              ),
            )
          : emptyRow(5, 'No bookings yet: ask for one above.'),
      );
    } catch (err) {
      replace(tbody, h('tr', null, h('td', { colspan: 5 }, errorBox(err))));
    }
  };
  void load();
  const stop = refreshOn(ctx, (row, m) => (row.kind === 'task' && BOOKING_WRITES.test(row.action ?? '') && row.status === 'succeeded') || (m as { type?: string }).type === 'notice', () => void load());
  return {
    el: h(
      'div',
      { class: 'page' },
      pageHeader('My bookings', 'Ask for a booking; the admin accepts or rejects it, and you are told here and by email.', statusFilter((s) => ((status = s), void load()))),
      submitForm(ctx, () => void load()),
      h('section', { class: 'card' }, h('table', { class: 'table', 'data-table': 'my-bookings' }, h('thead', null, h('tr', null, h('th', null, 'topic'), h('th', null, 'when'), h('th', null, 'where'), h('th', null, 'status'), h('th', null, 'decision'))), tbody)),
    ),
    dispose: stop,
  };
}

const FIELDS: { name: string; label: string; type?: string; placeholder?: string; path: string }[] = [
  { name: 'topic', label: 'Topic', placeholder: 'Quarterly planning', path: 'topic' },
  { name: 'starts_at', label: 'Starts', type: 'datetime-local', path: 'starts_at' },
  { name: 'duration_minutes', label: 'Minutes', placeholder: '90', path: 'duration_minutes' },
  { name: 'street', label: 'Street', placeholder: '12 Market Street', path: 'address.street' },
  { name: 'city', label: 'City', placeholder: 'Springfield', path: 'address.city' },
  { name: 'state', label: 'State', placeholder: 'Illinois', path: 'address.state' },
  { name: 'postal_code', label: 'Postal code', placeholder: '62701', path: 'address.postal_code' },
  { name: 'country', label: 'Country', placeholder: 'US', path: 'address.country' },
  { name: 'notes', label: 'Notes', placeholder: 'Projector needed.', path: 'notes' },
];

/** The booking request form: plain fields for the nested address; bureau's refusal is shown next to the field it names. */
function submitForm(ctx: Ctx, onDone: () => void): HTMLElement {
  const inputs = new Map(FIELDS.map((f) => [f.name, h('input', { name: f.name, id: `booking-${f.name}`, type: f.type ?? 'text', placeholder: f.placeholder ?? '', autocomplete: 'off' })]));
  const errors = new Map(FIELDS.map((f) => [f.path, h('div', { class: 'field-error', role: 'alert' })]));
  const out = h('div', { class: 'outcome' });
  const value = (name: string) => inputs.get(name)!.value.trim();
  const form = h(
    'form',
    { class: 'booking-form', novalidate: true, 'data-form': 'submit_booking' },
    h('div', { class: 'fields booking-fields' }, ...FIELDS.map((f) => h('div', { class: 'field', 'data-field': f.path }, h('label', { for: `booking-${f.name}` }, f.label), inputs.get(f.name), errors.get(f.path)))),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'primary' }, 'Ask for this booking')),
    out,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    for (const e of errors.values()) e.textContent = '';
    const start = value('starts_at') ? new Date(value('starts_at')) : null;
    const minutes = Number(value('duration_minutes'));
    const data = {
      topic: value('topic'),
      starts_at: start && !Number.isNaN(start.getTime()) ? start.toISOString() : value('starts_at'),
      duration_minutes: value('duration_minutes') && Number.isFinite(minutes) ? minutes : value('duration_minutes') || undefined,
      address: { street: value('street'), city: value('city'), state: value('state'), country: value('country'), postal_code: value('postal_code') },
      ...(value('notes') ? { notes: value('notes') } : {}),
    };
    const showIssues = (err: { message: string; details?: Record<string, unknown> }) => {
      const issues = (err.details?.issues as { path: string; message: string }[] | undefined) ?? [];
      for (const i of issues) {
        const box = errors.get(i.path);
        if (box) box.textContent = i.message;
      }
    };
    void (async () => {
      replace(out);
      try {
        const task = await submit(ctx, 'submit_booking', data);
        const row = await ctx.feed.waitFor(task.id);
        if (row.status === 'succeeded') {
          replace(out, h('div', { class: 'sent ok' }, badge('pending'), ` booking #${(row.result as { id: number }).id} asked for`));
          form.reset();
          onDone();
        } else if (row.error) {
          showIssues(row.error);
          replace(out, errorBox(new ApiError(row.error, 200)));
        }
      } catch (err) {
        if (err instanceof ApiError) showIssues(err.body);
        replace(out, errorBox(err));
      }
    })();
  });
  return h('section', { class: 'card create-panel' }, h('h3', null, 'Ask for a booking'), form);
}

/** The admin's bookings: every booking of the tenant, the accepted ones each overlaps, accept / reject / delete. */
export function adminBookingsView(ctx: Ctx): View {
  const tbody = h('tbody', null, emptyRow(6, 'Loading…'));
  let status = 'pending';
  const load = async () => {
    try {
      const r = await read<{ bookings: BookingRow[]; total: number }>(ctx, 'list_bookings', status ? { status } : {});
      replace(tbody, r.bookings.length ? r.bookings.map((b) => adminRow(ctx, b)) : emptyRow(6, 'No bookings.'));
    } catch (err) {
      replace(tbody, h('tr', null, h('td', { colspan: 6 }, errorBox(err))));
    }
  };
  void load();
  const stop = refreshOn(ctx, (row, m) => (row.kind === 'task' && BOOKING_WRITES.test(row.action ?? '') && row.status === 'succeeded') || (m as { notice?: { type?: string } }).notice?.type === 'booking.submitted', () => void load());
  const filter = statusFilter((s) => ((status = s), void load()));
  filter.value = status;
  return {
    el: h(
      'div',
      { class: 'page' },
      pageHeader('Bookings', 'Requests of your tenant. Accept or reject each once; an accepted booking blocks its address for its period.', filter),
      h(
        'section',
        { class: 'card' },
        h(
          'table',
          { class: 'table', 'data-table': 'bookings' },
          h('thead', null, h('tr', null, h('th', null, 'booking'), h('th', null, 'when'), h('th', null, 'where'), h('th', null, 'status'), h('th', null, 'overlaps'), h('th', null, ''))),
          tbody,
        ),
      ),
    ),
    dispose: stop,
  };
}

function adminRow(ctx: Ctx, b: BookingRow): HTMLElement {
  const out = h('span', { class: 'row-outcome' });
  const overlaps = b.overlaps ?? [];
  const buttons =
    b.status === 'pending'
      ? [
          h('button', { type: 'button', class: 'small approve', 'data-do': 'accept', onclick: () => void runAndShow(ctx, out, 'accept_booking', { id: b.id }, 'accepted') }, 'Accept'),
          h(
            'button',
            {
              type: 'button',
              class: 'small reject',
              'data-do': 'reject',
              onclick: () => void ask(`Reject "${b.topic}"`, [{ name: 'reason', label: 'Reason the requester is told', kind: 'textarea', required: true }], 'Reject').then((v) => v && runAndShow(ctx, out, 'reject_booking', { id: b.id, reason: v.reason }, 'rejected')),
            },
            'Reject',
          ),
        ]
      : [];
  const del = h('button', { type: 'button', class: 'small ghost', 'data-do': 'delete', onclick: () => void ask(`Delete booking #${b.id} "${b.topic}"`, [], 'Delete').then((v) => v && runAndShow(ctx, out, 'delete_booking', { id: b.id }, 'deleted')) }, 'Delete');
  return h(
    'tr',
    { 'data-booking': b.id, class: overlaps.length && b.status === 'pending' ? 'has-overlap' : '' },
    h('td', null, h('strong', null, b.topic), h('div', { class: 'muted' }, `#${b.id} · ${b.requesterEmail}`)),
    h('td', null, when(b)),
    h('td', null, place(b.address)),
    h('td', null, badge(b.status), b.reason ? h('div', { class: 'muted' }, b.reason) : null),
    h('td', { 'data-overlaps': overlaps.length }, overlaps.length ? overlaps.map((o) => h('div', { class: 'overlap' }, '⚠ overlaps ', h('strong', null, `#${o.id}`), ` ${o.topic}`, h('div', { class: 'muted' }, fmtDateTime(o.startsAt)))) : h('span', { class: 'muted' }, '—')),
    h('td', null, h('div', { class: 'row-buttons' }, ...buttons, del), out),
  );
}

/** Admin: the tenant's users and their account status, with disable / enable (set_user_status, answered at once). */
export function userStatusView(ctx: Ctx): View {
  const tbody = h('tbody', null, emptyRow(5, 'Loading…'));
  const load = async () => {
    try {
      const r = await read<{ people: { id: number; email: string; role: string; level: number; account: string }[] }>(ctx, 'list_people', {});
      replace(
        tbody,
        r.people.map((p) => {
          const out = h('span', { class: 'row-outcome' });
          const set = (status: string) => async () => {
            const v = status === 'disabled' ? await ask(`Disable ${p.email}`, [{ name: 'reason', label: 'Why (kept in the event log)', kind: 'text' }], 'Disable') : {};
            if (!v) return;
            try {
              await submit(ctx, 'set_user_status', { user_id: p.id, status, ...(v.reason ? { reason: v.reason } : {}) });
              out.textContent = status === 'disabled' ? 'disabled: their sessions ended' : 'enabled';
              out.className = 'row-outcome ok';
              await load();
            } catch (err) {
              replace(out, errorBox(err));
            }
          };
          const button =
            p.id === ctx.user.id
              ? h('span', { class: 'muted' }, 'you')
              : p.account === 'active'
                ? h('button', { type: 'button', class: 'small reject', 'data-do': 'disable', onclick: () => void set('disabled')() }, 'Disable')
                : p.account === 'disabled'
                  ? h('button', { type: 'button', class: 'small approve', 'data-do': 'enable', onclick: () => void set('active')() }, 'Enable')
                  : null;
          return h('tr', { 'data-user': p.id, 'data-email': p.email }, h('td', null, p.email), h('td', null, p.role), h('td', null, badge(p.account)), h('td', null, button), h('td', null, out));
        }),
      );
    } catch (err) {
      replace(tbody, h('tr', null, h('td', { colspan: 5 }, errorBox(err))));
    }
  };
  void load();
  return {
    el: h(
      'div',
      { class: 'page' },
      pageHeader('Users', 'Disable a user to end every session of theirs at once; enable them to let them log in again.'),
      h('section', { class: 'card' }, h('table', { class: 'table', 'data-table': 'users' }, h('thead', null, h('tr', null, h('th', null, 'email'), h('th', null, 'role'), h('th', null, 'account'), h('th', null, ''), h('th', null, ''))), tbody)),
    ),
  };
}
