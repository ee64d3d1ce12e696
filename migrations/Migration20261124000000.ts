import { Migration } from '@mikro-orm/migrations';

/**
 * The backbone: tenants, users and sessions; the action pipeline's tasks,
 * outbox and per-user result feed; the shared event log of every state machine;
 * and the seed-001 back office (customers, documents, transfers, inquiries).
 * Every row carries its tenant from the start.
 */
export class Migration20261124000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table tenant (
        id serial primary key,
        slug text not null unique,
        name text not null,
        created_at timestamptz not null default now()
      );

      create table app_user (
        id serial primary key,
        tenant_id int not null references tenant(id),
        email text not null,
        role text not null,
        level smallint not null default 1 check (level between 1 and 3),
        status text not null default 'active',
        first_name text,
        last_name text,
        password_hash text,
        created_at timestamptz not null default now(),
        unique (tenant_id, email)
      );
      create index app_user_email_idx on app_user (email);
      create index app_user_tenant_role_idx on app_user (tenant_id, role, level);

      create table session (
        id serial primary key,
        tenant_id int not null references tenant(id),
        user_id int not null references app_user(id) on delete cascade,
        token_hash text not null unique,
        created_at timestamptz not null default now(),
        expires_at timestamptz not null,
        revoked_at timestamptz
      );
      create index session_user_idx on session (user_id);

      create table task (
        id bigint generated always as identity primary key,
        tenant_id int not null references tenant(id),
        actor_id int references app_user(id),
        action text not null,
        queue text not null,
        input jsonb not null,
        status text not null,
        idem_key text,
        result jsonb,
        error jsonb,
        attempts int not null default 0,
        run_at timestamptz,
        created_at timestamptz not null default now(),
        started_at timestamptz,
        finished_at timestamptz
      );
      create unique index task_idem_idx on task (actor_id, idem_key) where idem_key is not null;
      create unique index task_system_idem_idx on task (tenant_id, idem_key) where idem_key is not null and actor_id is null;
      create index task_tenant_created_idx on task (tenant_id, created_at desc);
      create index task_unfinished_idx on task (status, created_at) where status in ('queued', 'running');

      create table outbox (
        task_id bigint primary key references task(id) on delete cascade,
        queue text not null,
        run_at timestamptz,
        created_at timestamptz not null default now()
      );

      create table feed_cursor (
        user_id int primary key references app_user(id) on delete cascade,
        last_seq bigint not null
      );

      create table feed_entry (
        user_id int not null references app_user(id) on delete cascade,
        seq bigint not null,
        tenant_id int not null,
        task_id bigint,
        body jsonb not null,
        created_at timestamptz not null default now(),
        primary key (user_id, seq)
      );
      create index feed_entry_created_idx on feed_entry (created_at);

      create table entity_event (
        id bigint generated always as identity primary key,
        tenant_id int not null references tenant(id),
        entity_type text not null,
        entity_id int not null,
        event text not null,
        from_status text,
        to_status text not null,
        actor_id int references app_user(id),
        reason text,
        data jsonb,
        task_id bigint,
        at timestamptz not null default now()
      );
      create index entity_event_entity_idx on entity_event (tenant_id, entity_type, entity_id, id);

      create table customer (
        id serial primary key,
        tenant_id int not null references tenant(id),
        name text not null,
        created_by int references app_user(id),
        created_at timestamptz not null default now()
      );
      create index customer_tenant_idx on customer (tenant_id, id);

      create table document (
        id serial primary key,
        tenant_id int not null references tenant(id),
        customer_id int not null references customer(id),
        content text not null,
        level smallint not null check (level between 1 and 3),
        status text not null,
        taken_by int references app_user(id),
        decided_by int references app_user(id),
        created_by int references app_user(id),
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create index document_queue_idx on document (tenant_id, status, level, id);

      create table transfer (
        id serial primary key,
        tenant_id int not null references tenant(id),
        customer_id int not null references customer(id),
        amount_cents bigint not null check (amount_cents > 0),
        level smallint not null check (level between 1 and 3),
        status text not null,
        taken_by int references app_user(id),
        decided_by int references app_user(id),
        created_by int references app_user(id),
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create index transfer_queue_idx on transfer (tenant_id, status, level, id);

      create table inquiry (
        id serial primary key,
        tenant_id int not null references tenant(id),
        customer_id int not null references customer(id),
        problem text not null,
        answer text,
        level smallint not null check (level between 1 and 3),
        status text not null,
        taken_by int references app_user(id),
        decided_by int references app_user(id),
        created_by int references app_user(id),
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create index inquiry_queue_idx on inquiry (tenant_id, status, level, id);
    `);
  }
}
