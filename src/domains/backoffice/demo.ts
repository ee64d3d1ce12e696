import type { DemoContext, DemoSet } from '../../core/define-domain.js';

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
    const ids: Record<string, number> = {};
    for (const u of BACKOFFICE_USERS) {
      const [row] = await ctx.sql<{ id: number }>(
        `insert into app_user (tenant_id, email, role, level, status, first_name, last_name, password_hash) values (?, ?, ?, ?, 'active', ?, ?, ?) returning id`,
        [tenant.id, `${u.local}@${tenant.slug}.test`, u.role, u.level, faker.person.firstName(), faker.person.lastName(), ctx.passwordHash],
      );
      ids[u.local] = row!.id;
    }
    const admin = ids.admin!;
    for (let c = 0; c < 6; c++) {
      const [cust] = await ctx.sql<{ id: number }>('insert into customer (tenant_id, name, created_by) values (?, ?, ?) returning id', [tenant.id, faker.person.fullName(), admin]);
      const cid = cust!.id;
      const level = (c % 3) + 1;
      const doc = await insertItem(ctx, 'document', 'pending', { tenant_id: tenant.id, customer_id: cid, content: faker.lorem.sentence(), level, created_by: admin });
      const tr = await insertItem(ctx, 'transfer', 'pending', { tenant_id: tenant.id, customer_id: cid, amount_cents: faker.number.int({ min: 1000, max: 5_000_000 }), level, created_by: admin });
      const items: [string, number][] = [['document', doc], ['transfer', tr]];
      if (c < 4) items.push(['inquiry', await insertItem(ctx, 'inquiry', 'open', { tenant_id: tenant.id, customer_id: cid, problem: faker.lorem.sentence(), level, created_by: admin })]);
      for (const [type, id] of items) {
        await ctx.sql(`insert into entity_event (tenant_id, entity_type, entity_id, event, from_status, to_status, actor_id, reason) values (?, ?, ?, 'create', null, ?, ?, 'demo data')`, [tenant.id, type, id, type === 'inquiry' ? 'open' : 'pending', admin]);
        await scheduleSla(ctx, tenant.id, type, id, level, ctx.config.slaMs[level as 1 | 2 | 3]);
      }
    }
  },
};

async function insertItem(ctx: DemoContext, table: string, status: string, cols: Record<string, unknown>): Promise<number> {
  const names = [...Object.keys(cols), 'status'];
  const [row] = await ctx.sql<{ id: number }>(`insert into ${table} (${names.join(', ')}) values (${names.map(() => '?').join(', ')}) returning id`, [...Object.values(cols), status]);
  return row!.id;
}

/** The same SLA timer `create_*` sets: a delayed system task. */
function scheduleSla(ctx: DemoContext, tenantId: number, type: string, id: number, level: number, delayMs: number): Promise<void> {
  return ctx.enqueue(tenantId, 'sla_escalate', { type, id, level }, { delayMs, key: `sla:${type}:${id}:${level}` });
}
