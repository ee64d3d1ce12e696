import { ApiError } from '../../../console/api.js';
import { errorBox, pageHeader, read, submit, type Ctx, type View } from '../../../console/context.js';
import { emptyRow, h, jsonDetails, replace } from '../../../console/dom.js';
import type { TicketType, WorkflowRow } from './types.js';

/** The workflow designer's page: published workflows and ticket types, and a JSON upload that shows each validation issue by its path. */
export function designerPage(ctx: Ctx): View {
  const workflows = h('tbody', null, emptyRow(4, 'Loading…'));
  const types = h('tbody', null, emptyRow(4, 'Loading…'));
  const kind = h('select', { id: 'upload-kind' }, h('option', { value: 'create_workflow_definition' }, 'Workflow definition'), h('option', { value: 'create_ticket_definition' }, 'Ticket definition'), h('option', { value: 'update_workflow_definition' }, 'New version of a workflow (with "id")'));
  const text = h('textarea', { id: 'upload-json', class: 'mono', rows: 18, spellcheck: 'false' });
  const issues = h('div', { id: 'upload-issues' });
  const fill = () => {
    text.value = JSON.stringify(ctx.action(kind.value)?.example ?? {}, null, 2);
  };
  kind.addEventListener('change', fill);
  const load = async () => {
    try {
      const w = await read<{ workflows: WorkflowRow[] }>(ctx, 'list_workflow_definitions', {});
      replace(workflows, w.workflows.map((x) => h('tr', { 'data-workflow': x.id }, h('td', null, `#${x.id}`), h('td', null, x.title), h('td', null, `v${x.version}`), h('td', null, x.key))));
      const t = await read<{ ticketDefinitions: TicketType[] }>(ctx, 'list_ticket_definitions', {});
      replace(types, t.ticketDefinitions.map((x) => h('tr', { 'data-ticket-type': x.id }, h('td', null, `#${x.id}`), h('td', null, x.title), h('td', null, `v${x.version}`), h('td', null, x.company_role_access.join(', ') || 'everyone'))));
    } catch (err) {
      replace(workflows, h('tr', null, h('td', { colspan: 4 }, errorBox(err))));
    }
  };
  const upload = async () => {
    replace(issues);
    let data: unknown;
    try {
      data = JSON.parse(text.value);
    } catch {
      return replace(issues, h('div', { class: 'error-box', role: 'alert' }, 'That is not valid JSON.'));
    }
    try {
      const task = await submit(ctx, kind.value, data);
      const row = await ctx.feed.waitFor(task.id);
      if (row.status === 'succeeded') {
        replace(issues, h('p', { class: 'ok', role: 'status' }, 'Published.'), jsonDetails('Result', row.result));
        void load();
      } else showIssues(row.error!);
    } catch (err) {
      if (err instanceof ApiError) showIssues(err.body);
      else throw err;
    }
  };
  const showIssues = (err: { code: string; message: string; details?: { issues?: { path?: string; message: string }[] } }) =>
    replace(issues, h('div', { class: 'error-box', role: 'alert' }, h('strong', null, err.code), ' ', err.details?.issues?.length ? 'Fix these and upload again:' : err.message),
      err.details?.issues?.length ? h('ul', { class: 'issues' }, ...err.details.issues.map((i) => h('li', null, h('code', null, i.path || '(top)'), ' ', i.message))) : null);
  fill();
  void load();
  const el = h(
    'div',
    { class: 'page', id: 'designer-page' },
    pageHeader('Workflow design', 'Upload definitions as JSON; each publish is a new version.'),
    h('div', { class: 'grid3' },
      h('section', { class: 'card' }, h('h2', null, 'Upload'), kind, text, h('div', { class: 'form-actions' }, h('button', { type: 'button', class: 'primary', id: 'upload', onclick: () => void upload() }, 'Validate and publish')), issues),
      h('section', { class: 'card' },
        h('h2', null, 'Workflows'), h('table', { class: 'table', id: 'workflows' }, h('thead', null, h('tr', null, h('th', null, 'id'), h('th', null, 'title'), h('th', null, 'version'), h('th', null, 'key'))), workflows),
        h('h2', null, 'Ticket types'), h('table', { class: 'table', id: 'ticket-types' }, h('thead', null, h('tr', null, h('th', null, 'id'), h('th', null, 'title'), h('th', null, 'version'), h('th', null, 'open to'))), types)),
    ),
  );
  return { el };
}
