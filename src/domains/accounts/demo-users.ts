import type { DemoContext } from '../../core/define-domain.js';
import { accountsFor } from './service.js';

export interface DemoPerson {
  local: string;
  role: string;
  level?: number;
}

export interface DemoUser {
  id: number;
  email: string;
  firstName: string;
  lastName: string;
}

/**
 * A demo set's users of one tenant, `<local>@<slug>.test`, active with the demo
 * password, created through `Accounts.createUser` (the user machine's `created`
 * event). Each is named by the set's Faker, first name then last name, in list
 * order: the order is part of every demo set's determinism.
 */
export async function createDemoUsers(ctx: DemoContext, tenant: { id: number; slug: string }, people: readonly DemoPerson[]): Promise<Record<string, DemoUser>> {
  const accounts = accountsFor(ctx.config);
  const users: Record<string, DemoUser> = {};
  for (const p of people) {
    const [firstName, lastName] = [ctx.faker.person.firstName(), ctx.faker.person.lastName()];
    const email = `${p.local}@${tenant.slug}.test`;
    const id = await accounts.createUser(ctx.as(null), { tenantId: tenant.id, email, role: p.role, level: p.level ?? 1, firstName, lastName, passwordHash: ctx.passwordHash });
    users[p.local] = { id, email, firstName, lastName };
  }
  return users;
}
