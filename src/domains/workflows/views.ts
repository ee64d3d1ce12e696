import type { Db } from '../../core/context.js';
import { AppError } from '../../core/errors.js';

/** Read models of tickets and task instances (SQL joins over instance and definition rows), always filtered by tenant. */
type Sql = Pick<Db, 'sql'>;

const TASK_SELECT = `
  select ti.id, ti.workflow_instance_id, ti.task_definition_id, ti.status, ti.input_data, ti.output_data, ti.error, ti.attempt,
         ti.assigned_to, au.email as assignee, ti.assigned_at, ti.started_at, ti.completed_at, ti.deadline_at, ti.created_at, ti.updated_at,
         td.task_key, td.title, td.task_type, td.description, td.ext_ref, td.input_schema, td.output_schema, td.edit_layout, td.display_layout, td.timeout_seconds,
         tk.id as ticket_id, tkd.title as ticket_title
    from task_instance ti
    join task_definition td on td.id = ti.task_definition_id
    join ticket_instance tk on tk.workflow_instance_id = ti.workflow_instance_id
    join ticket_definition tkd on tkd.id = tk.ticket_definition_id
    left join app_user au on au.id = ti.assigned_to`;

interface TaskRow {
  id: number;
  workflow_instance_id: number;
  task_definition_id: number;
  status: string;
  input_data: unknown;
  output_data: unknown;
  error: unknown;
  attempt: number;
  assigned_to: number | null;
  assignee: string | null;
  assigned_at: Date | null;
  started_at: Date | null;
  completed_at: Date | null;
  deadline_at: Date | null;
  created_at: Date;
  updated_at: Date;
  task_key: string;
  title: string;
  task_type: string;
  description: string | null;
  ext_ref: unknown;
  input_schema: unknown;
  output_schema: unknown;
  edit_layout: unknown;
  display_layout: unknown;
  timeout_seconds: number | null;
  ticket_id: number;
  ticket_title: string;
}

const taskView = (t: TaskRow) => ({
  type: 'task_instance' as const,
  id: t.id,
  ticketId: t.ticket_id,
  ticketTitle: t.ticket_title,
  workflowInstanceId: t.workflow_instance_id,
  taskDefinitionId: t.task_definition_id,
  key: t.task_key,
  title: t.title,
  description: t.description,
  ext_ref: t.ext_ref,
  taskType: t.task_type,
  status: t.status,
  attempt: t.attempt,
  assignedTo: t.assigned_to,
  assignee: t.assignee,
  input: t.input_data,
  output: t.output_data,
  error: t.error,
  input_schema: t.input_schema,
  output_schema: t.output_schema,
  edit_layout: t.edit_layout,
  display_layout: t.display_layout,
  timeout_seconds: t.timeout_seconds,
  assignedAt: t.assigned_at,
  startedAt: t.started_at,
  completedAt: t.completed_at,
  deadlineAt: t.deadline_at,
  createdAt: t.created_at,
  updatedAt: t.updated_at,
});
export type TaskView = ReturnType<typeof taskView>;

export interface TaskFilter {
  assignedTo?: number | undefined;
  status?: readonly string[] | undefined;
  workflowInstanceId?: number | undefined;
  taskType?: string | undefined;
  limit?: number | undefined;
}

export async function listTasks(db: Sql, tenantId: number, f: TaskFilter): Promise<TaskView[]> {
  const rows = await db.sql<TaskRow>(
    `${TASK_SELECT}
      where ti.tenant_id = ? and (?::int is null or ti.assigned_to = ?) and (?::text[] is null or ti.status = any(?::text[]))
        and (?::int is null or ti.workflow_instance_id = ?) and (?::text is null or td.task_type = ?)
      order by ti.id ${f.workflowInstanceId ? 'asc' : 'desc'} limit ?`,
    [tenantId, f.assignedTo ?? null, f.assignedTo ?? null, f.status ?? null, f.status ?? null, f.workflowInstanceId ?? null, f.workflowInstanceId ?? null, f.taskType ?? null, f.taskType ?? null, f.limit ?? 100],
  );
  return rows.map(taskView);
}

export async function taskById(db: Sql, tenantId: number, id: number): Promise<TaskView> {
  const [t] = await db.sql<TaskRow>(`${TASK_SELECT} where ti.tenant_id = ? and ti.id = ?`, [tenantId, id]);
  if (!t) throw new AppError('NOT_FOUND', `No task instance ${id}.`);
  return taskView(t);
}

const TICKET_SELECT = `
  select tk.id, tk.ticket_definition_id, tk.workflow_instance_id, tk.data, tk.created_by, cu.email as submitter, tk.created_at, tk.updated_at,
         d.title, d.version, d.ticket_key, d.ext_ref, d.fields,
         wi.status, wi.hold_reason, wi.data as workflow_data, wi.workflow_definition_id, wd.title as workflow_title, wd.version as workflow_version, wd.ext_ref as workflow_ext_ref, ct.task_key as current_task
    from ticket_instance tk
    join ticket_definition d on d.id = tk.ticket_definition_id
    join workflow_instance wi on wi.id = tk.workflow_instance_id
    join workflow_definition wd on wd.id = wi.workflow_definition_id
    left join task_definition ct on ct.id = wi.current_task_id
    left join app_user cu on cu.id = tk.created_by`;

interface TicketRow {
  id: number;
  ticket_definition_id: number;
  workflow_instance_id: number;
  data: unknown;
  created_by: number | null;
  submitter: string | null;
  created_at: Date;
  updated_at: Date;
  title: string;
  version: number;
  ticket_key: string;
  ext_ref: unknown;
  fields: unknown;
  status: string;
  hold_reason: string | null;
  workflow_data: unknown;
  workflow_definition_id: number;
  workflow_title: string;
  workflow_version: number;
  workflow_ext_ref: unknown;
  current_task: string | null;
}

const ticketView = (t: TicketRow) => ({
  type: 'ticket_instance' as const,
  id: t.id,
  ticketDefinitionId: t.ticket_definition_id,
  title: t.title,
  version: t.version,
  ext_ref: t.ext_ref,
  fields: t.fields,
  status: t.status,
  data: t.data,
  createdBy: t.created_by,
  submitter: t.submitter,
  createdAt: t.created_at,
  updatedAt: t.updated_at,
  workflow: {
    id: t.workflow_instance_id,
    definitionId: t.workflow_definition_id,
    title: t.workflow_title,
    version: t.workflow_version,
    ext_ref: t.workflow_ext_ref,
    status: t.status,
    currentTask: t.current_task,
    holdReason: t.hold_reason,
    data: t.workflow_data,
  },
});

export interface TicketFilter {
  createdBy?: number | undefined;
  status?: readonly string[] | undefined;
  ticketKey?: string | undefined;
  limit?: number | undefined;
}

export async function listTickets(db: Sql, tenantId: number, f: TicketFilter) {
  const rows = await db.sql<TicketRow>(
    `${TICKET_SELECT}
      where tk.tenant_id = ? and (?::int is null or tk.created_by = ?) and (?::text[] is null or wi.status = any(?::text[])) and (?::text is null or d.ticket_key = ?)
      order by tk.id desc limit ?`,
    [tenantId, f.createdBy ?? null, f.createdBy ?? null, f.status ?? null, f.status ?? null, f.ticketKey ?? null, f.ticketKey ?? null, f.limit ?? 100],
  );
  return rows.map(ticketView);
}

/** A ticket of the tenant; with `owner`, only if that user submitted it (404 otherwise). */
export async function ticketById(db: Sql, tenantId: number, id: number, owner?: number) {
  const [t] = await db.sql<TicketRow>(`${TICKET_SELECT} where tk.tenant_id = ? and tk.id = ? and (?::int is null or tk.created_by = ?)`, [tenantId, id, owner ?? null, owner ?? null]);
  if (!t) throw new AppError('NOT_FOUND', `No ticket ${id}.`);
  return ticketView(t);
}

/** A ticket with its workflow's progress: the task instances so far, the workflow's task list, and the history. */
export async function ticketDetail(db: Sql, tenantId: number, id: number, owner?: number) {
  const ticket = await ticketById(db, tenantId, id, owner);
  const tasks = await listTasks(db, tenantId, { workflowInstanceId: ticket.workflow.id, limit: 500 });
  const steps = await db.sql<{ key: string; title: string; taskType: string; start: boolean }>(
    'select task_key as key, title, task_type as "taskType", is_start as start from task_definition where workflow_definition_id = ? order by id',
    [ticket.workflow.definitionId],
  );
  const history = await db.sql(
    `select e.entity_type as entity, e.entity_id as "entityId", e.event, e.from_status as "from", e.to_status as "to", coalesce(u.email, 'system') as actor, e.reason, e.data, e.at
       from entity_event e left join app_user u on u.id = e.actor_id
      where e.tenant_id = ? and ((e.entity_type = 'workflow_instance' and e.entity_id = ?)
         or (e.entity_type = 'task_instance' and e.entity_id in (select id from task_instance where workflow_instance_id = ?)))
      order by e.id`,
    [tenantId, ticket.workflow.id, ticket.workflow.id],
  );
  return { ...ticket, tasks, steps, history };
}
