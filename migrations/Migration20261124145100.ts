import { Migration } from '@mikro-orm/migrations';

/**
 * Rate-limit counters when bureau runs without Redis (rate-limiter-flexible's
 * PostgreSQL store, shared by every web process): one row per key, `expire` in
 * epoch ms. The shape is the library's own.
 */
export class Migration20261124145100 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table rate_limit (
        key varchar(255) primary key,
        points integer not null default 0,
        expire bigint
      );
    `);
  }

  override async down(): Promise<void> {
    this.addSql('drop table rate_limit;');
  }
}
