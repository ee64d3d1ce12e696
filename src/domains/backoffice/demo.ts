import type { DemoContext, DemoSet } from '../../core/define-domain.js';
import { fire, type Machine } from '../../core/state-machine.js';
import { createDemoUsers } from '../accounts/demo-users.js';
import { documentMachine, inquiryMachine, transferMachine } from './machines.js';

/**
 * The back office's demo set: in each of two tenants (acme, globex), an admin,
 * three compliance officers and three service agents (the digit is the level),
 * and six customers with documents, transfers and inquiries waiting at every
 * level, each with its SLA timer. One Faker seeded 2026 runs through both
 * tenants in order, so two fresh databases get identical rows.
 */
export const BACKOFFICE_USERS = [
  { local: 'admin', role: 'admin', level: 3 },
  { local: 'compliance1', role: 'compliance', level: 1 },
  { local: 'compliance2', role: 'compliance', level: 2 },
  { local: 'compliance3', role: 'compliance', level: 3 },
  { local: 'service1', role: 'service', level: 1 },
  { local: 'service2', role: 'service', level: 2 },
  { local: 'service3', role: 'service', level: 3 },
] as const;

export const backofficeDemo: DemoSet = {
  tenants: [
    { slug: 'acme', name: 'Acme Corporation' },
    { slug: 'globex', name: 'Globex Corporation' },
  ],
  seed: 2026,
  users: BACKOFFICE_USERS.map((u) => u.local),
  async load(ctx, tenant) {
    const { faker } = ctx;
    const users = await createDemoUsers(ctx, tenant, BACKOFFICE_USERS);
    const admin = users.admin!.id;
    const byAdmin = ctx.as(admin);
    for (let c = 0; c < 6; c++) {
      const [cust] = await ctx.sql<{ id: number }>('insert into customer (tenant_id, name, created_by) values (?, ?, ?) returning id', [tenant.id, faker.person.fullName(), admin]);
      const cid = cust!.id;
      const level = (c % 3) + 1;
      const doc = await insertItem(ctx, documentMachine, { tenant_id: tenant.id, customer_id: cid, content: faker.lorem.sentence(), level, created_by: admin });
      const tr = await insertItem(ctx, transferMachine, { tenant_id: tenant.id, customer_id: cid, amount_cents: faker.number.int({ min: 1000, max: 5_000_000 }), level, created_by: admin });
      const items: [Machine<string, 'create'>, { id: number; status: string }][] = [[documentMachine, doc], [transferMachine, tr]];
      if (c < 4) items.push([inquiryMachine, await insertItem(ctx, inquiryMachine, { tenant_id: tenant.id, customer_id: cid, problem: faker.lorem.sentence(), level, created_by: admin })]);
      for (const [machine, item] of items) {
        fire(byAdmin, machine, item, 'create', { reason: 'demo data' });
        await scheduleSla(ctx, tenant.id, machine.entity, item.id, level, ctx.config.slaMs[level as 1 | 2 | 3]);
      }
    }
  },
};

/** An item row in the status its machine creates it in (`fire(..., 'create')` then records the event). */
async function insertItem(ctx: DemoContext, machine: Machine<string, 'create'>, cols: Record<string, unknown>): Promise<{ id: number; status: string }> {
  const names = [...Object.keys(cols), 'status'];
  const [row] = await ctx.sql<{ id: number; status: string }>(`insert into ${machine.entity} (${names.join(', ')}) values (${names.map(() => '?').join(', ')}) returning id, status`, [...Object.values(cols), machine.events.create.to]);
  return row!;
}

/** The same SLA timer `create_*` sets: a delayed system task. */
function scheduleSla(ctx: DemoContext, tenantId: number, type: string, id: number, level: number, delayMs: number): Promise<void> {
  return ctx.enqueue(tenantId, 'sla_escalate', { type, id, level }, { delayMs, key: `sla:${type}:${id}:${level}` });
}
