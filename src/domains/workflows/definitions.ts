import type { Db } from '../../core/context.js';
import { AppError } from '../../core/errors.js';
import { conditionIssues, schemaIssues, transformIssues, type Issue } from './logic.js';
import type { FieldSpec, TaskSpec, TicketSpec, WorkflowSpec } from './schemas.js';

/**
 * Workflow and ticket definitions: checked, then published as a new version
 * (rows are never edited: instances keep the version they started with).
 */
type Sql = Pick<Db, 'sql'>;

export const MAX_SYNC_SECONDS = 300;

/** What the door's schema cannot check: one start task, known task keys, valid schemas, conditions and transforms. Issues name the bad path. */
export function workflowIssues(spec: WorkflowSpec): Issue[] {
  const issues: Issue[] = [];
  const keys = new Map<string, number>();
  spec.tasks.forEach((t, i) => {
    const at = `tasks.${i}`;
    if (keys.has(t.key)) issues.push({ path: `${at}.key`, message: `task key "${t.key}" is used twice (also tasks.${keys.get(t.key)})` });
    keys.set(t.key, i);
    if (t.input_schema) issues.push(...schemaIssues(t.input_schema, `${at}.input_schema`));
    if (t.output_schema) issues.push(...schemaIssues(t.output_schema, `${at}.output_schema`));
    if (t.input_transform) issues.push(...transformIssues(t.input_transform, `${at}.input_transform`));
    if (t.output_transform) issues.push(...transformIssues(t.output_transform, `${at}.output_transform`));
    if (t.type === 'FORM') {
      if (t.action_url) issues.push({ path: `${at}.action_url`, message: 'a FORM task calls nothing: remove action_url' });
    } else {
      if (!t.action_url) issues.push({ path: `${at}.action_url`, message: `a ${t.type} task needs an action_url` });
      if (!t.timeout_seconds) issues.push({ path: `${at}.timeout_seconds`, message: `a ${t.type} task needs timeout_seconds` });
      // A SYNC_ACTION holds a callouts worker slot for its whole call; long work is what ASYNC_ACTION is for.
      else if (t.type === 'SYNC_ACTION' && t.timeout_seconds > MAX_SYNC_SECONDS) issues.push({ path: `${at}.timeout_seconds`, message: `a SYNC_ACTION waits at most ${MAX_SYNC_SECONDS} s; use an ASYNC_ACTION for longer work` });
    }
  });
  const starts = spec.tasks.flatMap((t, i) => (t.start ? [i] : []));
  if (starts.length !== 1) issues.push({ path: 'tasks', message: `exactly one task must have "start": true (found ${starts.length}${starts.length ? `: tasks.${starts.join(', tasks.')}` : ''})` });
  (spec.transitions ?? []).forEach((tr, i) => {
    const at = `transitions.${i}`;
    if (!keys.has(tr.from)) issues.push({ path: `${at}.from`, message: `no task "${tr.from}" in this workflow` });
    if (!keys.has(tr.to)) issues.push({ path: `${at}.to`, message: `no task "${tr.to}" in this workflow` });
    if (tr.condition !== undefined && tr.condition !== null) issues.push(...conditionIssues(tr.condition, `${at}.condition`));
  });
  return issues;
}

export function refuse(issues: Issue[], what: string): void {
  if (!issues.length) return;
  throw new AppError('VALIDATION_FAILED', `The ${what} is not valid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
}

const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));

/**
 * Serialises version allocation of one definition (`max(version) + 1`): an
 * advisory lock per tenant and key, held until commit, so concurrent edits of
 * the same definition publish consecutive versions instead of colliding on the
 * unique (tenant, key, version) index.
 */
async function lockVersions(db: Sql, kind: 'workflow' | 'ticket', tenantId: number, key: string): Promise<void> {
  await db.sql('select pg_advisory_xact_lock(hashtext(?), ?)', [`workflows.${kind}-version:${key}`, tenantId]);
}

/**
 * Publishes `spec` as version 1 of a new workflow (no `key`) or the next
 * version of `key`, with its tasks and transitions. Returns the new version's id.
 */
export async function publishWorkflow(db: Sql, tenantId: number, userId: number | null, spec: WorkflowSpec, key?: string): Promise<number> {
  if (key !== undefined) await lockVersions(db, 'workflow', tenantId, key);
  const [wf] = await db.sql<{ id: number }>(
    `with n as (select nextval(pg_get_serial_sequence('workflow_definition', 'id'))::int as id)
     insert into workflow_definition (id, tenant_id, wf_key, version, title, description, ext_ref, fields, display_layout, created_by)
     select n.id, ?, coalesce(?, 'wf-' || n.id),
            coalesce((select max(version) + 1 from workflow_definition where tenant_id = ? and wf_key = ?), 1),
            ?, ?, ?::jsonb, ?::jsonb, ?::jsonb, ? from n returning id`,
    [tenantId, key ?? null, tenantId, key ?? null, spec.title, spec.description ?? null, json(spec.ext_ref ?? []), json(spec.fields ?? []), json(spec.display_layout), userId],
  );
  const wfId = wf!.id;
  const taskIds = new Map<string, number>();
  for (const t of spec.tasks) taskIds.set(t.key, await insertTask(db, tenantId, wfId, userId, t));
  for (const tr of spec.transitions ?? []) {
    await db.sql(`insert into transition (tenant_id, workflow_definition_id, from_task_id, to_task_id, condition, priority) values (?, ?, ?, ?, ?::jsonb, ?)`, [
      tenantId, wfId, taskIds.get(tr.from), taskIds.get(tr.to), json(tr.condition ?? null), tr.priority ?? 0,
    ]);
  }
  return wfId;
}

async function insertTask(db: Sql, tenantId: number, wfId: number, userId: number | null, t: TaskSpec): Promise<number> {
  const [row] = await db.sql<{ id: number }>(
    `insert into task_definition (tenant_id, workflow_definition_id, task_key, version, title, description, ext_ref, task_type, is_start, input_schema, output_schema,
       edit_layout, display_layout, action_url, input_transform, output_transform, timeout_seconds, created_by)
     values (?, ?, ?, (select version from workflow_definition where id = ?), ?, ?, ?::jsonb, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb, ?::jsonb, ?, ?, ?, ?, ?) returning id`,
    [tenantId, wfId, t.key, wfId, t.title, t.description ?? null, json(t.ext_ref ?? []), t.type, t.start ?? false, json(t.input_schema), json(t.output_schema),
      json(t.edit_layout), json(t.display_layout), t.action_url ?? null, t.input_transform ?? null, t.output_transform ?? null, t.timeout_seconds ?? null, userId],
  );
  return row!.id;
}

export interface TaskDefRow {
  id: number;
  workflow_definition_id: number;
  task_key: string;
  version: number;
  title: string;
  description: string | null;
  ext_ref: unknown;
  task_type: 'FORM' | 'SYNC_ACTION' | 'ASYNC_ACTION';
  is_start: boolean;
  input_schema: Record<string, unknown> | null;
  output_schema: Record<string, unknown> | null;
  edit_layout: unknown;
  display_layout: unknown;
  action_url: string | null;
  input_transform: string | null;
  output_transform: string | null;
  timeout_seconds: number | null;
}

export function taskDefView(t: TaskDefRow) {
  return {
    type: 'task_definition' as const,
    id: t.id,
    workflowId: t.workflow_definition_id,
    key: t.task_key,
    version: t.version,
    title: t.title,
    description: t.description,
    ext_ref: t.ext_ref,
    taskType: t.task_type,
    start: t.is_start,
    input_schema: t.input_schema,
    output_schema: t.output_schema,
    edit_layout: t.edit_layout,
    display_layout: t.display_layout,
    action_url: t.action_url,
    input_transform: t.input_transform,
    output_transform: t.output_transform,
    timeout_seconds: t.timeout_seconds,
  };
}

/** A task definition of the tenant, or 404. */
export async function loadTaskDef(db: Sql, tenantId: number, id: number): Promise<TaskDefRow> {
  const [t] = await db.sql<TaskDefRow>('select * from task_definition where id = ? and tenant_id = ?', [id, tenantId]);
  if (!t) throw new AppError('NOT_FOUND', `No task definition ${id}.`);
  return t;
}

interface WorkflowRow {
  id: number;
  wf_key: string;
  version: number;
  title: string;
  description: string | null;
  ext_ref: unknown;
  fields: unknown;
  display_layout: unknown;
  created_by: number | null;
  created_at: Date;
  latest: number;
}

const WORKFLOW_COLUMNS = `w.id, w.wf_key, w.version, w.title, w.description, w.ext_ref, w.fields, w.display_layout, w.created_by, w.created_at,
  (select max(version) from workflow_definition l where l.tenant_id = w.tenant_id and l.wf_key = w.wf_key)::int as latest`;

const workflowView = (w: WorkflowRow) => ({
  type: 'workflow_definition' as const,
  id: w.id,
  key: w.wf_key,
  version: w.version,
  latestVersion: w.latest,
  title: w.title,
  description: w.description,
  ext_ref: w.ext_ref,
  fields: w.fields,
  display_layout: w.display_layout,
  createdBy: w.created_by,
  createdAt: w.created_at,
});

/** A workflow version of the tenant with its tasks and transitions (task keys, not ids, name their ends), or 404. */
export async function loadWorkflow(db: Sql, tenantId: number, id: number) {
  const [w] = await db.sql<WorkflowRow>(`select ${WORKFLOW_COLUMNS} from workflow_definition w where w.id = ? and w.tenant_id = ?`, [id, tenantId]);
  if (!w) throw new AppError('NOT_FOUND', `No workflow definition ${id}.`);
  const tasks = await db.sql<TaskDefRow>('select * from task_definition where workflow_definition_id = ? order by id', [id]);
  const transitions = await db.sql<{ id: number; from: string; to: string; condition: unknown; priority: number }>(
    `select tr.id, f.task_key as "from", t.task_key as "to", tr.condition, tr.priority
       from transition tr join task_definition f on f.id = tr.from_task_id join task_definition t on t.id = tr.to_task_id
      where tr.workflow_definition_id = ? order by tr.id`,
    [id],
  );
  return { ...workflowView(w), tasks: tasks.map(taskDefView), transitions };
}

/** The spec a stored version was published from (to publish an edited copy). */
export async function specOf(db: Sql, tenantId: number, id: number): Promise<{ key: string; spec: WorkflowSpec }> {
  const wf = await loadWorkflow(db, tenantId, id);
  const [k] = await db.sql<{ wf_key: string }>('select wf_key from workflow_definition where id = ?', [id]);
  const drop = <T extends Record<string, unknown>>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined)) as T;
  const spec = drop({
    title: wf.title,
    description: wf.description,
    ext_ref: wf.ext_ref,
    fields: wf.fields,
    display_layout: wf.display_layout,
    tasks: wf.tasks.map((t) =>
      drop({
        key: t.key, title: t.title, description: t.description, ext_ref: t.ext_ref, type: t.taskType, start: t.start || undefined, input_schema: t.input_schema, output_schema: t.output_schema,
        edit_layout: t.edit_layout, display_layout: t.display_layout, action_url: t.action_url, input_transform: t.input_transform, output_transform: t.output_transform, timeout_seconds: t.timeout_seconds,
      }),
    ),
    transitions: wf.transitions.map((tr) => drop({ from: tr.from, to: tr.to, condition: tr.condition, priority: tr.priority })),
  }) as unknown as WorkflowSpec;
  return { key: k!.wf_key, spec };
}

export async function listWorkflows(db: Sql, tenantId: number, allVersions: boolean) {
  const rows = await db.sql<WorkflowRow>(
    `select ${WORKFLOW_COLUMNS} from workflow_definition w where w.tenant_id = ?
       and (? or w.version = (select max(version) from workflow_definition l where l.tenant_id = w.tenant_id and l.wf_key = w.wf_key))
     order by w.wf_key, w.version`,
    [tenantId, allVersions],
  );
  return rows.map(workflowView);
}

/** The latest version of a workflow (by any of its versions' ids), or 404. */
export async function latestWorkflowId(db: Sql, tenantId: number, key: string): Promise<number> {
  const [w] = await db.sql<{ id: number }>('select id from workflow_definition where tenant_id = ? and wf_key = ? order by version desc limit 1', [tenantId, key]);
  if (!w) throw new AppError('NOT_FOUND', `No workflow ${key}.`);
  return w.id;
}

// ---- ticket definitions ----

/** The JSON Schema a ticket's data must match, built from its fields. */
export function fieldsSchema(fields: readonly FieldSpec[]): Record<string, unknown> {
  const types = { string: { type: 'string' }, number: { type: 'number' }, integer: { type: 'integer' }, boolean: { type: 'boolean' }, date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } };
  return {
    type: 'object',
    additionalProperties: false,
    required: fields.filter((f) => f.required).map((f) => f.name),
    properties: Object.fromEntries(fields.map((f) => [f.name, { ...types[f.type], ...(f.label ? { title: f.label } : {}), ...(f.options?.length ? { enum: f.options } : {}) }])),
  };
}

export function ticketIssues(spec: Pick<TicketSpec, 'fields'>): Issue[] {
  const seen = new Set<string>();
  return spec.fields.flatMap((f, i) => {
    if (seen.has(f.name)) return [{ path: `fields.${i}.name`, message: `field "${f.name}" is declared twice` }];
    seen.add(f.name);
    if (f.options && f.type !== 'string') return [{ path: `fields.${i}.options`, message: 'options are for string fields' }];
    return [];
  });
}

export async function publishTicket(db: Sql, tenantId: number, userId: number | null, spec: TicketSpec, wfKey: string, key?: string): Promise<number> {
  if (key !== undefined) await lockVersions(db, 'ticket', tenantId, key);
  const [row] = await db.sql<{ id: number }>(
    `with n as (select nextval(pg_get_serial_sequence('ticket_definition', 'id'))::int as id)
     insert into ticket_definition (id, tenant_id, ticket_key, version, title, description, ext_ref, wf_key, fields, company_role_access, edit_layout, display_layout, created_by)
     select n.id, ?, coalesce(?, 'tk-' || n.id),
            coalesce((select max(version) + 1 from ticket_definition where tenant_id = ? and ticket_key = ?), 1),
            ?, ?, ?::jsonb, ?, ?::jsonb, ?::text[], ?::jsonb, ?::jsonb, ? from n returning id`,
    [tenantId, key ?? null, tenantId, key ?? null, spec.title, spec.description ?? null, json(spec.ext_ref ?? []), wfKey, json(spec.fields), spec.company_role_access ?? [],
      json(spec.edit_layout), json(spec.display_layout), userId],
  );
  return row!.id;
}

export interface TicketDefRow {
  id: number;
  ticket_key: string;
  version: number;
  title: string;
  description: string | null;
  ext_ref: unknown;
  wf_key: string;
  fields: FieldSpec[];
  company_role_access: string[];
  edit_layout: unknown;
  display_layout: unknown;
  created_by: number | null;
  created_at: Date;
  latest: number;
  workflow_id: number | null;
}

const TICKET_COLUMNS = `d.id, d.ticket_key, d.version, d.title, d.description, d.ext_ref, d.wf_key, d.fields, d.company_role_access, d.edit_layout, d.display_layout, d.created_by, d.created_at,
  (select max(version) from ticket_definition l where l.tenant_id = d.tenant_id and l.ticket_key = d.ticket_key)::int as latest,
  (select w.id from workflow_definition w where w.tenant_id = d.tenant_id and w.wf_key = d.wf_key order by w.version desc limit 1) as workflow_id`;

export const ticketDefView = (d: TicketDefRow) => ({
  type: 'ticket_definition' as const,
  id: d.id,
  key: d.ticket_key,
  version: d.version,
  latestVersion: d.latest,
  title: d.title,
  description: d.description,
  ext_ref: d.ext_ref,
  workflowId: d.workflow_id,
  fields: d.fields,
  data_schema: fieldsSchema(d.fields),
  company_role_access: d.company_role_access,
  edit_layout: d.edit_layout,
  display_layout: d.display_layout,
  createdBy: d.created_by,
  createdAt: d.created_at,
});

/**
 * Ticket definitions of the tenant: latest versions only unless `allVersions`;
 * with `userId`, only those whose `company_role_access` is empty or names a
 * company role the user holds.
 */
export async function listTicketDefs(db: Sql, tenantId: number, opts: { allVersions?: boolean; userId?: number; id?: number }): Promise<TicketDefRow[]> {
  return db.sql<TicketDefRow>(
    `select ${TICKET_COLUMNS} from ticket_definition d where d.tenant_id = ?
       and (?::int is null or d.id = ?)
       and (? or ?::int is not null or d.version = (select max(version) from ticket_definition l where l.tenant_id = d.tenant_id and l.ticket_key = d.ticket_key))
       and (?::int is null or cardinality(d.company_role_access) = 0 or exists (
             select 1 from company_role_member m join company_role r on r.id = m.company_role_id
              where m.user_id = ? and r.tenant_id = d.tenant_id and r.name = any(d.company_role_access)))
     order by d.ticket_key, d.version`,
    [tenantId, opts.id ?? null, opts.id ?? null, opts.allVersions ?? false, opts.id ?? null, opts.userId ?? null, opts.userId ?? null],
  );
}

/** One ticket definition the caller may see (`userId` = a user, checked against company roles), or 404. */
export async function loadTicketDef(db: Sql, tenantId: number, id: number, userId?: number): Promise<TicketDefRow> {
  const [d] = await listTicketDefs(db, tenantId, { id, ...(userId !== undefined ? { userId } : {}) });
  if (!d) throw new AppError('NOT_FOUND', `No ticket definition ${id}.`);
  return d;
}
