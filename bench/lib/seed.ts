import { hashPassword, newToken } from '../../src/domains/accounts/passwords.js';
import { loadConfig } from '../../src/config.js';
import { openOrm, sql } from '../../src/infra/db.js';
import { loadDemo } from '../../fixtures/demo.js';
import { USERS } from './settings.js';

export interface BenchUsers {
  password: string;
  admins: { email: string; password: string }[];
  reviewers: { email: string; password: string }[];
}

/** Demo data (fixtures/demo.ts) plus the bench's own users: 4 admins and 4 level-3 compliance officers per tenant. */
export async function seed(databaseUrl: string): Promise<BenchUsers> {
  const password = newToken(12);
  const config = loadConfig({}, { databaseUrl, logLevel: 'silent' });
  const orm = await openOrm(config, { poolMax: 2 });
  try {
    await loadDemo(orm.em.fork(), password, config);
    const hash = await hashPassword(password, config.argon2);
    const users: BenchUsers = { password, admins: [], reviewers: [] };
    for (const tenant of ['acme', 'globex']) {
      for (let i = 1; i <= Math.max(4, USERS / 2); i++) {
        for (const [local, role, list] of [[`bench-admin${i}`, 'admin', users.admins], [`bench-reviewer${i}`, 'compliance', users.reviewers]] as const) {
          const email = `${local}@${tenant}.test`;
          await sql(orm.em.fork(), `insert into app_user (tenant_id, email, role, level, status, first_name, last_name, password_hash)
                                    select id, ?, ?, 3, 'active', 'Bench', ?, ? from tenant where slug = ?`, [email, role, local, hash, tenant]);
          list.push({ email, password });
        }
      }
    }
    // Interleave tenants so lane i and lane i+1 work in different tenants.
    const half = users.admins.length / 2;
    const inter = (l: { email: string; password: string }[]) => l.slice(0, half).flatMap((u, i) => [u, l[i + half]!]).slice(0, USERS);
    return { password, admins: inter(users.admins), reviewers: inter(users.reviewers) };
  } finally {
    await orm.close(true);
  }
}
