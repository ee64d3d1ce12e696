import { ApiError, send } from '../../../console/api.js';
import { errorBox, pageHeader, read, type Ctx, type View } from '../../../console/context.js';
import { h, replace } from '../../../console/dom.js';
import './guests.css';

/**
 * The provider admin's dashboard editor: the current definition of the guest
 * or host dashboard as JSON, edited and published as a new version; refusals
 * list each path that does not fit.
 */
export function dashboardEditorView(ctx: Ctx): View {
  const role = h('select', { 'data-field': 'role' }, h('option', { value: 'guest' }, 'guest'), h('option', { value: 'host' }, 'host'));
  const text = h('textarea', { spellcheck: 'false', 'data-field': 'definition' });
  const versions = h('p', { class: 'muted' });
  const issues = h('div', { class: 'gw-issues', role: 'alert' });
  const load = async () => {
    issues.textContent = '';
    try {
      const r = await read<{ version: number; definition: unknown; versions: { version: number; people: number }[] }>(ctx, 'get_guest_dashboard_definition', { role: role.value });
      text.value = JSON.stringify(r.definition, null, 2);
      versions.textContent = `Current version ${r.version}. ${r.versions.map((v) => `v${v.version}: ${v.people} ${v.people === 1 ? 'person' : 'people'}`).join(' · ')}`;
    } catch (err) {
      replace(issues, errorBox(err));
    }
  };
  role.addEventListener('change', () => void load());
  const publish = async () => {
    issues.textContent = '';
    let definition: unknown;
    try {
      definition = JSON.parse(text.value);
    } catch (err) {
      issues.textContent = `Not JSON: ${(err as Error).message}`;
      return;
    }
    try {
      const r = await send('publish_guest_dashboard', { definition }, { wait: 15_000 });
      const task = r.body.task as { status: string; result?: { version: number }; error?: { message: string } };
      if (task.status === 'succeeded') ctx.toast(`Published version ${task.result!.version}`);
      else if (task.error) issues.textContent = task.error.message;
      await load();
    } catch (err) {
      if (err instanceof ApiError) {
        const list = ((err.body.details as { issues?: { path: string; message: string }[] } | undefined)?.issues ?? []).map((i) => h('li', { 'data-path': i.path }, h('code', null, i.path), ' ', i.message));
        replace(issues, h('strong', null, err.body.code), ' ', err.body.message, h('ul', null, list));
      } else issues.textContent = String(err);
    }
  };
  void load();
  return {
    el: h(
      'div',
      { class: 'page gw-editor' },
      pageHeader('Dashboards', 'Task groups, tasks and application questions of your guest and host dashboards. Publishing makes a new version; people under way keep theirs.', role),
      versions,
      h('section', { class: 'card' }, text, issues, h('div', { class: 'form-actions' }, h('button', { type: 'button', class: 'primary', 'data-do': 'publish', onclick: () => void publish() }, 'Publish new version'), h('button', { type: 'button', class: 'ghost', onclick: () => void load() }, 'Revert'))),
    ),
  };
}
