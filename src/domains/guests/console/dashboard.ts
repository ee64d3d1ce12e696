import { ask, errorBox, pageHeader, read, refreshOn, submit, type Ctx, type View } from '../../../console/context.js';
import { h, replace } from '../../../console/dom.js';
import './guests.css';
import { statusPill, type DashboardView, type TaskView } from './common.js';

const WRITES = /^(start_guest_task|save_guest_answers|complete_guest_task|request_guest_information|delete_guest_answers|delete_guest_progress)$/;

/**
 * A guest's (or host's) dashboard: groups and tasks with their statuses,
 * locked ones shown as such. The person works their tasks (start, the
 * application form, complete); their coordinator and the provider admin see
 * the same page for a guest (`#/guests/<id>`) and may request information.
 */
export function guestDashboardView(ctx: Ctx, params: string[]): View {
  const guestId = params[0] ? Number(params[0]) : undefined;
  const own = guestId === undefined;
  const body = h('div', { class: 'gw-groups' }, h('p', { class: 'muted' }, 'Loading…'));
  const header = h('div');
  const form = h('div', { class: 'panel-host' });
  const load = async () => {
    try {
      const d = await read<DashboardView>(ctx, 'get_guest_dashboard', own ? {} : { guest_id: guestId });
      replace(header, pageHeader(own ? 'My dashboard' : d.name, `${d.dashboard.title} · version ${d.dashboard.version}`, own ? null : deleteProgress(ctx, d.guestId)));
      replace(
        body,
        d.taskGroups.map((g) =>
          h(
            'section',
            { class: 'gw-group', 'data-group': g.key, 'data-status': g.status },
            h('h2', null, g.title, statusPill(g.status)),
            g.tasks.map((t) => taskRow(ctx, t, own, form)),
          ),
        ),
      );
    } catch (err) {
      replace(body, errorBox(err));
    }
  };
  void load();
  const stop = refreshOn(ctx, (row, m) => (row.kind === 'task' && WRITES.test(row.action ?? '') && row.status === 'succeeded') || m.type === 'notice', () => void load());
  return { el: h('div', { class: 'page' }, header, form, body), dispose: stop };
}

function taskRow(ctx: Ctx, t: TaskView, own: boolean, formHost: HTMLElement): HTMLElement {
  const locked = t.status === 'Locked';
  const tools = h('div', { class: 'gw-tools' });
  const act = (label: string, action: string, data: Record<string, unknown>, primary = false) =>
    h('button', { type: 'button', class: `small ${primary ? 'primary' : ''}`, 'data-do': action, onclick: () => void submit(ctx, action, data).catch((e: Error) => ctx.toast(e.message, 'error')) }, label);
  if (own && !locked && t.status !== 'Complete') {
    if (t.kind === 'form') tools.append(h('button', { type: 'button', class: 'small primary', 'data-do': 'open-form', onclick: () => void openForm(ctx, t, formHost) }, t.linkText || 'Open'));
    else if (t.status === 'Start') tools.append(act(t.linkText || 'Start', 'start_guest_task', { task_id: t.id }, true));
    if (t.kind !== 'form' && t.status !== 'Start') tools.append(act('Complete', 'complete_guest_task', { task_id: t.id }, true));
  }
  if (!own && (ctx.may('request_guest_information') && !locked)) {
    tools.append(
      h('button', {
        type: 'button',
        class: 'small',
        'data-do': 'request-info',
        onclick: async () => {
          const v = await ask(`More information on “${t.title}”`, [{ name: 'message', label: 'What do you need to know?', kind: 'textarea', required: true }], 'Send request');
          if (v) await submit(ctx, 'request_guest_information', { task_id: t.id, message: v.message }).catch((e: Error) => ctx.toast(e.message, 'error'));
        },
      }, 'Request information'),
    );
    if (t.kind === 'form') tools.append(h('button', { type: 'button', class: 'small ghost', 'data-do': 'open-form', onclick: () => void openForm(ctx, t, formHost, true) }, 'Answers'));
  }
  return h(
    'div',
    { class: 'gw-task', 'data-task': t.key, 'data-task-id': t.id, 'data-status': t.status },
    h('h3', null, t.title, statusPill(t.status)),
    h('p', null, t.description),
    t.infoRequest ? h('div', { class: 'gw-info' }, 'Your coordinator asks: ', t.infoRequest) : null,
    tools,
  );
}

interface Question {
  key: string;
  text: string;
  type: string;
  required: boolean;
  options: string[];
  response: unknown;
}

/** The application form, generated from the question types; Save stores the answers, Complete completes the task. */
async function openForm(ctx: Ctx, t: TaskView, host: HTMLElement, readOnly = false): Promise<void> {
  try {
    const app = await read<{ questions: Question[]; status: string }>(ctx, 'get_guest_application', { task_id: t.id });
    const fields = app.questions.map((q) => ({ q, ...fieldFor(q, readOnly) }));
    const issues = h('div', { class: 'gw-issues' });
    const answers = () => Object.fromEntries(fields.map((f) => [f.q.key, f.value()]).filter(([, v]) => v !== undefined));
    const run = async (complete: boolean) => {
      issues.textContent = '';
      try {
        await read(ctx, 'save_guest_answers', { task_id: t.id, answers: answers() });
        if (complete) await read(ctx, 'complete_guest_task', { task_id: t.id });
        ctx.toast(complete ? `${t.title}: complete` : `${t.title}: saved`);
        if (complete) host.replaceChildren();
      } catch (err) {
        issues.replaceChildren(errorBox(err));
      }
    };
    const form = h(
      'form',
      { class: 'gw-form card', 'data-form': t.key, onsubmit: (e: Event) => e.preventDefault() },
      h('h2', null, t.title),
      fields.map((f) => h('div', { class: 'field', 'data-question': f.q.key }, h('label', null, f.q.text, f.q.required ? h('span', { class: 'req' }, ' *') : null), f.el)),
      issues,
      readOnly
        ? h('div', { class: 'form-actions' }, h('button', { type: 'button', class: 'ghost', onclick: () => host.replaceChildren() }, 'Close'))
        : h(
            'div',
            { class: 'form-actions' },
            h('button', { type: 'button', 'data-do': 'save', onclick: () => void run(false) }, 'Save'),
            h('button', { type: 'button', class: 'primary', 'data-do': 'complete', onclick: () => void run(true) }, 'Save and complete'),
            h('button', { type: 'button', class: 'ghost', onclick: () => host.replaceChildren() }, 'Close'),
          ),
    );
    host.replaceChildren(form);
  } catch (err) {
    host.replaceChildren(errorBox(err));
  }
}

/** One input per response type; `value()` gives the answer to send (undefined = leave as is). */
function fieldFor(q: Question, disabled: boolean): { el: HTMLElement; value: () => unknown } {
  const r = q.response;
  switch (q.type) {
    case 'long_text': {
      const el = h('textarea', { rows: 4, value: typeof r === 'string' ? r : '', disabled });
      return { el, value: () => (el.value.trim() ? el.value : undefined) };
    }
    case 'yes_no': {
      const el = h('select', { disabled }, h('option', { value: '' }, '—'), h('option', { value: 'true', selected: r === true }, 'Yes'), h('option', { value: 'false', selected: r === false }, 'No'));
      return { el, value: () => (el.value === '' ? undefined : el.value === 'true') };
    }
    case 'agreement': {
      const el = h('input', { type: 'checkbox', checked: r === true, disabled });
      return { el: h('label', null, el, ' I accept'), value: () => (el.checked ? true : undefined) };
    }
    case 'number': {
      const el = h('input', { type: 'number', value: typeof r === 'number' ? String(r) : '', disabled });
      return { el, value: () => (el.value === '' ? undefined : Number(el.value)) };
    }
    case 'single_choice': {
      const el = h('select', { disabled }, h('option', { value: '' }, '—'), ...q.options.map((o) => h('option', { value: o, selected: r === o }, o)));
      return { el, value: () => el.value || undefined };
    }
    case 'multiple_choice': {
      const boxes = q.options.map((o) => h('input', { type: 'checkbox', value: o, checked: Array.isArray(r) && r.includes(o), disabled }));
      const el = h('div', { class: 'choices' }, boxes.map((b) => h('label', null, b, ' ', b.value)));
      return { el, value: () => (boxes.some((b) => b.checked) ? boxes.filter((b) => b.checked).map((b) => b.value) : undefined) };
    }
    default: {
      const type = q.type === 'date' ? 'date' : q.type === 'email' ? 'email' : q.type === 'phone' ? 'tel' : 'text';
      const el = h('input', { type, value: typeof r === 'string' ? r : '', disabled });
      return { el, value: () => (el.value.trim() ? el.value : undefined) };
    }
  }
}

function deleteProgress(ctx: Ctx, guestId: number): HTMLElement | null {
  if (!ctx.may('delete_guest_progress')) return null;
  return h('button', {
    type: 'button',
    class: 'small ghost',
    'data-do': 'delete-progress',
    onclick: async () => {
      const v = await ask('Start over', [{ name: 'reason', label: 'Why? (every answer is deleted)', kind: 'text', required: true }], 'Delete progress');
      if (v) await submit(ctx, 'delete_guest_progress', { guest_id: guestId, reason: v.reason }).catch((e: Error) => ctx.toast(e.message, 'error'));
    },
  }, 'Delete progress');
}
