import { Migration } from '@mikro-orm/migrations';

/**
 * Ticket workflows (seed 003, the `workflows` domain). The company is the tenant.
 * - `workflow_definition`, `task_definition`, `transition`: a workflow and its
 *   tasks and transitions, one row set per published version (`wf_key` names
 *   the workflow across versions). Editing publishes a new version; instances
 *   keep the version they started with.
 * - `ticket_definition`: a ticket type (versioned by `ticket_key`), the fields a
 *   user fills and the company roles that may submit it.
 * - `workflow_instance`, `task_instance`, `ticket_instance`: a submitted ticket,
 *   its workflow run and the tasks it went through (statuses change through the
 *   domain's machines, each change an `entity_event` row).
 * - `worker_availability`: task workers' availability and last assignment.
 * - `workflow_callback`: single-use callback tokens of ASYNC_ACTION tasks (hash only).
 * - `company_role`, `company_role_member`: the company's own roles (ticket access).
 */
export class Migration20261206140000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table workflow_definition (
        id serial primary key,
        tenant_id int not null references tenant (id),
        wf_key text not null,
        version int not null default 1,
        title varchar(255) not null,
        description text,
        ext_ref jsonb not null default '[]',
        fields jsonb not null default '[]',
        display_layout jsonb,
        created_by int references app_user (id),
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        unique (tenant_id, wf_key, version)
      );

      create table task_definition (
        id serial primary key,
        tenant_id int not null references tenant (id),
        workflow_definition_id int not null references workflow_definition (id),
        task_key text not null,
        version int not null default 1,
        title varchar(255) not null,
        description text,
        ext_ref jsonb not null default '[]',
        task_type text not null check (task_type in ('FORM', 'SYNC_ACTION', 'ASYNC_ACTION')),
        is_start boolean not null default false,
        input_schema jsonb,
        output_schema jsonb,
        edit_layout jsonb,
        display_layout jsonb,
        action_url text,
        input_transform text,
        output_transform text,
        timeout_seconds int,
        created_by int references app_user (id),
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        unique (workflow_definition_id, task_key)
      );

      create table transition (
        id serial primary key,
        tenant_id int not null references tenant (id),
        workflow_definition_id int not null references workflow_definition (id),
        from_task_id int not null references task_definition (id),
        to_task_id int not null references task_definition (id),
        condition jsonb,
        priority int not null default 0
      );
      create index transition_from_idx on transition (from_task_id, priority desc, id);

      create table ticket_definition (
        id serial primary key,
        tenant_id int not null references tenant (id),
        ticket_key text not null,
        version int not null default 1,
        title varchar(255) not null,
        description text,
        ext_ref jsonb not null default '[]',
        wf_key text not null,
        fields jsonb not null default '[]',
        company_role_access text[] not null default '{}',
        edit_layout jsonb,
        display_layout jsonb,
        created_by int references app_user (id),
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        unique (tenant_id, ticket_key, version)
      );

      create table workflow_instance (
        id serial primary key,
        tenant_id int not null references tenant (id),
        workflow_definition_id int not null references workflow_definition (id),
        current_task_id int references task_definition (id),
        data jsonb not null default '{}',
        status text not null,
        hold_reason text,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );

      create table ticket_instance (
        id serial primary key,
        tenant_id int not null references tenant (id),
        ticket_definition_id int not null references ticket_definition (id),
        workflow_instance_id int not null references workflow_instance (id),
        data jsonb not null default '{}',
        created_by int references app_user (id),
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create index ticket_instance_creator_idx on ticket_instance (tenant_id, created_by, id desc);

      create table task_instance (
        id serial primary key,
        tenant_id int not null references tenant (id),
        workflow_instance_id int not null references workflow_instance (id),
        task_definition_id int not null references task_definition (id),
        status text not null,
        input_data jsonb,
        output_data jsonb,
        error jsonb,
        attempt int not null default 1,
        assigned_to int references app_user (id),
        assigned_at timestamptz,
        started_at timestamptz,
        completed_at timestamptz,
        deadline_at timestamptz,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create index task_instance_assignee_idx on task_instance (tenant_id, assigned_to, status);
      create index task_instance_workflow_idx on task_instance (workflow_instance_id, id);

      create table worker_availability (
        user_id int primary key references app_user (id),
        tenant_id int not null references tenant (id),
        available boolean not null default false,
        last_assigned_at timestamptz,
        updated_at timestamptz not null default now()
      );

      create table workflow_callback (
        id serial primary key,
        tenant_id int not null references tenant (id),
        task_instance_id int not null references task_instance (id),
        attempt int not null,
        token_hash text not null unique,
        expires_at timestamptz not null,
        used_at timestamptz,
        created_at timestamptz not null default now()
      );

      create table company_role (
        id serial primary key,
        tenant_id int not null references tenant (id),
        name text not null,
        description text,
        unique (tenant_id, name)
      );
      create table company_role_member (
        company_role_id int not null references company_role (id) on delete cascade,
        user_id int not null references app_user (id),
        tenant_id int not null references tenant (id),
        primary key (company_role_id, user_id)
      );
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table company_role_member, company_role, workflow_callback, worker_availability, task_instance, ticket_instance,
      workflow_instance, ticket_definition, transition, task_definition, workflow_definition`);
  }
}
