import { Migration } from '@mikro-orm/migrations';

/**
 * Invitations (seed 002), user-first: inviting creates an inactive user and an
 * invitation pointing at it. Each email sent gets its own token row (only its
 * hash is stored), so an earlier link keeps working until its own expiry.
 */
export class Migration20261124130000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table invitation (
        id serial primary key,
        tenant_id int not null references tenant(id),
        user_id int references app_user(id) on delete set null,
        email text not null,
        role text not null,
        level smallint not null default 1 check (level between 1 and 3),
        status text not null default 'not invited',
        invited_by int references app_user(id),
        expires_at timestamptz not null,
        sent_count int not null default 0,
        last_sent_at timestamptz,
        message_id text,
        open_count int not null default 0,
        first_opened_at timestamptz,
        last_opened_at timestamptz,
        click_count int not null default 0,
        first_clicked_at timestamptz,
        last_clicked_at timestamptz,
        registered_at timestamptz,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create index invitation_tenant_status_idx on invitation (tenant_id, status, id);
      create index invitation_user_idx on invitation (user_id);
      create unique index invitation_live_email_idx on invitation (tenant_id, lower(email))
        where status in ('not invited', 'invited', 'clicked');

      create table invitation_token (
        id serial primary key,
        invitation_id int not null references invitation(id) on delete cascade,
        token_hash text not null unique,
        expires_at timestamptz not null,
        created_at timestamptz not null default now()
      );
      create index invitation_token_invitation_idx on invitation_token (invitation_id);

      create unique index app_user_tenant_email_ci_idx on app_user (tenant_id, lower(email));
    `);
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists app_user_tenant_email_ci_idx; drop table if exists invitation_token; drop table if exists invitation;');
  }
}
