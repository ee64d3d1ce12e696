import { Migration } from '@mikro-orm/migrations';

/**
 * Roles per tenant and demo sets per domain.
 * - `tenant_role`: the roles a tenant has, those of the domains it uses (each
 *   role with the domain that brings it). `app_user.role` and
 *   `invitation.role` reference it, so a user can only hold a role of their
 *   tenant. Existing tenants get the roles of the domains that existed before
 *   (the accounts domain's `admin`, the back office's `compliance` and
 *   `service`), plus any role a user of theirs already holds.
 * - `demo_set`: which (domain, tenant) demo sets are loaded, so a domain added
 *   later loads its own into an existing database. A database filled before
 *   this migration had the back office's set in acme and globex.
 */
export class Migration20261206120000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table tenant_role (
        tenant_id integer not null references tenant (id) on delete cascade,
        role text not null check (role ~ '^[a-z][a-z0-9_]*$'),
        domain text not null,
        primary key (tenant_id, role)
      );
      insert into tenant_role (tenant_id, role, domain)
        select t.id, r.role, r.domain from tenant t
          cross join (values ('admin', 'accounts'), ('compliance', 'backoffice'), ('service', 'backoffice')) as r (role, domain);
      insert into tenant_role (tenant_id, role, domain)
        select distinct tenant_id, role, 'unknown' from app_user on conflict do nothing;
      insert into tenant_role (tenant_id, role, domain)
        select distinct tenant_id, role, 'unknown' from invitation on conflict do nothing;
      alter table app_user add constraint app_user_tenant_role_fk foreign key (tenant_id, role) references tenant_role (tenant_id, role);
      alter table invitation add constraint invitation_tenant_role_fk foreign key (tenant_id, role) references tenant_role (tenant_id, role);

      create table demo_set (
        domain text not null,
        tenant_slug text not null,
        loaded_at timestamptz not null default now(),
        primary key (domain, tenant_slug)
      );
      insert into demo_set (domain, tenant_slug)
        select 'backoffice', t.slug from tenant t
         where t.slug in ('acme', 'globex') and exists (select 1 from app_user u where u.tenant_id = t.id and u.email = 'admin@' || t.slug || '.test');
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop table demo_set;
      alter table invitation drop constraint invitation_tenant_role_fk;
      alter table app_user drop constraint app_user_tenant_role_fk;
      drop table tenant_role;
    `);
  }
}
