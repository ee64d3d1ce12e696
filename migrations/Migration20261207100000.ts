import { Migration } from '@mikro-orm/migrations';

/**
 * Tasks held back for fairness (issue 21): while several tenants have work on a
 * queue, the door keeps a tenant's tasks beyond its share of the worker slots in
 * the outbox with `held_for` = the tenant, and they go to the queue as that
 * tenant's running tasks finish (src/pipeline/held-tasks.ts). The outbox relay
 * skips held rows; the partial index finds a tenant's oldest held rows, and
 * `task_inflight_tenant_idx` counts what a tenant has in flight on a queue
 * without walking every tenant's (and every timer's).
 */
export class Migration20261207100000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table outbox add column held_for int;
      create index outbox_held_idx on outbox (queue, held_for, task_id) where held_for is not null;
      create index task_inflight_tenant_idx on task (queue, tenant_id, id) where status in ('queued', 'running');
    `);
  }

  override async down(): Promise<void> {
    this.addSql('drop index task_inflight_tenant_idx; drop index outbox_held_idx; alter table outbox drop column held_for;');
  }
}
