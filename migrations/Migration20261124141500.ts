import { Migration } from '@mikro-orm/migrations';

/**
 * Indexes for the console's reads: the task search by action (newest first),
 * and a customer's items (get_customer, list_customers' open counts).
 */
export class Migration20261124141500 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create index task_tenant_action_idx on task (tenant_id, action, created_at desc);
      create index document_customer_idx on document (tenant_id, customer_id);
      create index transfer_customer_idx on transfer (tenant_id, customer_id);
      create index inquiry_customer_idx on inquiry (tenant_id, customer_id);
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop index if exists task_tenant_action_idx;
      drop index if exists document_customer_idx;
      drop index if exists transfer_customer_idx;
      drop index if exists inquiry_customer_idx;
    `);
  }
}
