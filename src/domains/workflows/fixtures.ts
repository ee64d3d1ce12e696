import type { FixtureScope } from '../../core/define-domain.js';

/** Authorization-matrix rows of the workflows domain (see `IdKindSpec.fixture`), each carrying the cell's mark. */
async function one(s: FixtureScope, text: string, params: unknown[]): Promise<number> {
  const [row] = await s.query<{ id: number }>(text, params);
  return Number(row!.id);
}

/** A one-task workflow (a FORM start task, no transitions). */
export async function workflowFixture(s: FixtureScope): Promise<number> {
  const wf = await one(s, `insert into workflow_definition (tenant_id, wf_key, title, created_by) values ($1, $2, $3, $4) returning id`, [s.tenantId, `fx-${s.mark}`, `Workflow ${s.mark}`, s.ownerId]);
  await s.query(
    `insert into task_definition (tenant_id, workflow_definition_id, task_key, title, task_type, is_start, output_schema, created_by) values ($1, $2, 'review', $3, 'FORM', true, '{"type":"object"}', $4)`,
    [s.tenantId, wf, `Review ${s.mark}`, s.ownerId],
  );
  return wf;
}

export async function taskDefinitionFixture(s: FixtureScope): Promise<number> {
  const wf = await workflowFixture(s);
  return one(s, 'select id from task_definition where workflow_definition_id = $1', [wf]);
}

/** A ticket type open to every user, running the one-task workflow. */
export async function ticketDefinitionFixture(s: FixtureScope): Promise<number> {
  await workflowFixture(s);
  return one(
    s,
    `insert into ticket_definition (tenant_id, ticket_key, title, wf_key, fields, created_by)
     values ($1, $2, $3, $4, '[{"name":"summary","type":"string"},{"name":"amount","type":"number"}]', $5) returning id`,
    [s.tenantId, `fx-${s.mark}`, `Ticket type ${s.mark}`, `fx-${s.mark}`, s.ownerId],
  );
}

/** A ticket in progress and its open FORM task; `assignee` works the task (the ticket's submitter is the owner). */
async function ticketWithTask(s: FixtureScope, assignee: number | null): Promise<{ ticket: number; task: number }> {
  const def = await ticketDefinitionFixture(s);
  const [wf] = await s.query<{ id: number; task: number }>(
    `select w.id, t.id as task from workflow_definition w join task_definition t on t.workflow_definition_id = w.id where w.tenant_id = $1 and w.wf_key = $2`,
    [s.tenantId, `fx-${s.mark}`],
  );
  const data = JSON.stringify({ summary: s.mark, amount: 10 });
  const wi = await one(s, `insert into workflow_instance (tenant_id, workflow_definition_id, current_task_id, data, status) values ($1, $2, $3, $4::jsonb, 'IN_PROGRESS') returning id`, [s.tenantId, wf!.id, wf!.task, data]);
  const ticket = await one(s, `insert into ticket_instance (tenant_id, ticket_definition_id, workflow_instance_id, data, created_by) values ($1, $2, $3, $4::jsonb, $5) returning id`, [s.tenantId, def, wi, data, s.ownerId]);
  const task = await one(
    s,
    `insert into task_instance (tenant_id, workflow_instance_id, task_definition_id, status, input_data, assigned_to, assigned_at) values ($1, $2, $3, $4, $5::jsonb, $6, now()) returning id`,
    [s.tenantId, wi, wf!.task, assignee === null ? 'PENDING' : 'OPEN', data, assignee],
  );
  return { ticket, task };
}

export const ticketInstanceFixture = async (s: FixtureScope) => (await ticketWithTask(s, null)).ticket;
export const taskInstanceFixture = async (s: FixtureScope) => (await ticketWithTask(s, s.ownerId)).task;
