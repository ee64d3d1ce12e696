import { Migration } from '@mikro-orm/migrations';

/**
 * Guest onboarding (seed 000, the `guests` domain). Tenants are the providers.
 *
 * Definitions, versioned (a provider admin publishes a whole dashboard; each
 * publish is a new `onboarding_dashboard` row, and the rows under it never
 * change): `onboarding_dashboard` (tenant, role guest|host, version) ->
 * `task_group_definition` (ordered) -> `guest_task_definition` (ordered; kind form /
 * training / scheduling / matching) -> `task_question` (ordered) -> `question`,
 * the provider's question bank (a question's text, response type, required,
 * options; an edited question is a new row with the same key, so older
 * versions keep theirs).
 *
 * People: `guest_profile` (a guest or host, their one coordinator, the
 * dashboard version they are pinned to), their `task_group` and `guest_task`
 * rows (one per definition, with the status; names that do not collide with
 * the pipeline's `task`), and `guest_response` keyed by (user, question).
 */
export class Migration20261206130000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table onboarding_dashboard (
        id serial primary key,
        tenant_id int not null references tenant (id),
        role text not null check (role in ('guest', 'host')),
        version int not null,
        title text not null,
        published_by int references app_user (id) on delete set null,
        created_at timestamptz not null default now(),
        unique (tenant_id, role, version)
      );
      create table question (
        id serial primary key,
        tenant_id int not null references tenant (id),
        key text not null,
        text text not null,
        response_type text not null,
        required boolean not null default false,
        options jsonb not null default '[]',
        created_at timestamptz not null default now()
      );
      create index question_tenant_key_idx on question (tenant_id, key);
      create table task_group_definition (
        id serial primary key,
        tenant_id int not null references tenant (id),
        dashboard_id int not null references onboarding_dashboard (id) on delete cascade,
        position int not null,
        key text not null,
        title text not null,
        unique (dashboard_id, position),
        unique (dashboard_id, key)
      );
      create table guest_task_definition (
        id serial primary key,
        tenant_id int not null references tenant (id),
        group_id int not null references task_group_definition (id) on delete cascade,
        position int not null,
        key text not null,
        title text not null,
        description text not null default '',
        link_text text not null default '',
        url text not null default '',
        kind text not null check (kind in ('form', 'training', 'scheduling', 'matching')),
        unique (group_id, position)
      );
      create table task_question (
        task_id int not null references guest_task_definition (id) on delete cascade,
        question_id int not null references question (id),
        position int not null,
        primary key (task_id, question_id),
        unique (task_id, position)
      );
      create table guest_profile (
        user_id int primary key references app_user (id) on delete cascade,
        tenant_id int not null references tenant (id),
        role text not null check (role in ('guest', 'host')),
        coordinator_id int not null references app_user (id),
        dashboard_id int not null references onboarding_dashboard (id),
        created_at timestamptz not null default now()
      );
      create index guest_profile_coordinator_idx on guest_profile (tenant_id, coordinator_id);
      create table task_group (
        id serial primary key,
        tenant_id int not null references tenant (id),
        user_id int not null references app_user (id) on delete cascade,
        definition_id int not null references task_group_definition (id),
        status text not null,
        updated_at timestamptz not null default now(),
        unique (user_id, definition_id)
      );
      create table guest_task (
        id serial primary key,
        tenant_id int not null references tenant (id),
        user_id int not null references app_user (id) on delete cascade,
        group_id int not null references task_group (id) on delete cascade,
        definition_id int not null references guest_task_definition (id),
        status text not null,
        info_request text,
        updated_at timestamptz not null default now(),
        unique (user_id, definition_id)
      );
      create index guest_task_group_idx on guest_task (group_id);
      create table guest_response (
        tenant_id int not null references tenant (id),
        user_id int not null references app_user (id) on delete cascade,
        question_id int not null references question (id),
        value jsonb not null,
        updated_at timestamptz not null default now(),
        primary key (user_id, question_id)
      );
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop table guest_response;
      drop table guest_task;
      drop table task_group;
      drop table guest_profile;
      drop table task_question;
      drop table guest_task_definition;
      drop table task_group_definition;
      drop table question;
      drop table onboarding_dashboard;
    `);
  }
}
