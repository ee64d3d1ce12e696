import { Migration } from '@mikro-orm/migrations';

/**
 * Bookings (seed 004). A requester asks for a topic at an address for a period;
 * the tenant's admin accepts or rejects it once. No two accepted bookings of a
 * tenant overlap at the same address: an exclusion constraint (btree_gist for
 * the `=` parts) on the normalised address key and the period, for accepted
 * rows only, so two concurrent accepts cannot both commit (the loser gets
 * SQLSTATE 23P01). `id with <>` changes nothing for distinct rows but makes
 * PostgreSQL's error detail name the existing booking's id.
 */
export class Migration20261206150000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create extension if not exists btree_gist;
      create table booking (
        id serial primary key,
        tenant_id integer not null references tenant (id) on delete cascade,
        requester_id integer not null references app_user (id),
        requester_email text not null,
        contact_email text,
        topic text not null,
        starts_at timestamptz not null,
        ends_at timestamptz not null,
        duration_minutes integer not null check (duration_minutes between 1 and 1440),
        address jsonb not null,
        address_key text not null,
        notes text,
        status text not null default 'pending' check (status in ('pending', 'accepted', 'rejected')),
        reason text,
        decided_by integer references app_user (id),
        decided_at timestamptz,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        check (ends_at > starts_at),
        constraint booking_no_overlap exclude using gist (
          tenant_id with =, address_key with =, tstzrange(starts_at, ends_at, '[)') with &&, id with <>
        ) where (status = 'accepted')
      );
      create index booking_tenant_starts on booking (tenant_id, starts_at);
      create index booking_requester_starts on booking (requester_id, starts_at);
    `);
  }

  override async down(): Promise<void> {
    this.addSql('drop table booking;');
  }
}
