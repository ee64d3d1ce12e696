import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineAction } from '../../src/core/define-action.js';
import { defineDomain, type DomainManifest } from '../../src/core/define-domain.js';
import { DomainSet } from '../../src/core/domain-set.js';
import { DOMAINS, SYSTEM_KIND } from '../../src/domains.js';
import { loadDemo, missingDemoSets } from '../../fixtures/demo.js';
import { DEMO_PASSWORD, startTestBureau, type TestBureau } from '../helpers/bureau.js';

/**
 * A domain plugs in with one manifest: a throwaway domain, built here and
 * never listed in src/domains.ts, brings a role, a worker kind, an action, an
 * id kind and a demo set, and everything derived from the list picks them up.
 */
const makeWidget = defineAction({
  name: 'make_widget',
  summary: 'Makes a widget (a throwaway test action).',
  roles: ['widgeteer'],
  worker: 'widgets',
  creates: 'widget',
  access: { ids: {}, owner: 'tenant' },
  input: z.strictObject({ label: z.string() }),
  example: { label: 'sprocket' },
  handler: async (input) => ({ id: 1, label: input.label }),
});

const readWidget = defineAction({
  name: 'read_widget',
  summary: 'Reads a widget on the caller\'s queue (a throwaway test action).',
  roles: ['widgeteer', 'admin'],
  worker: 'caller',
  access: { ids: { id: 'widget' }, owner: 'tenant' },
  input: z.strictObject({ id: z.number() }),
  example: { id: 1 },
  handler: async (input) => ({ id: input.id }),
});

const widgets = defineDomain({
  name: 'widgets',
  summary: 'A throwaway domain for this test.',
  roles: ['widgeteer'],
  workerKinds: ['widgets'],
  roleQueues: { widgeteer: 'widgets' },
  actions: [makeWidget, readWidget],
  idKinds: { widget: { typed: true, listKeys: ['widgets'], messageWord: 'widget' } },
  callers: { tenants: { own: 'widgetco', other: 'acme' }, roles: { widgeteer: { caller: 'maker1', other: 'maker2' } } },
  demo: {
    tenants: [
      { slug: 'widgetco', name: 'Widget Company' },
      { slug: 'acme', name: 'Acme Corporation' },
    ],
    seed: 7,
    users: ['maker1', 'maker2'],
    async load(ctx, tenant) {
      for (const local of ['maker1', 'maker2']) {
        await ctx.sql(`insert into app_user (tenant_id, email, role, level, status, first_name, last_name, password_hash) values (?, ?, 'widgeteer', 1, 'active', ?, ?, ?)`, [
          tenant.id,
          `${local}@${tenant.slug}.test`,
          ctx.faker.person.firstName(),
          ctx.faker.person.lastName(),
          ctx.passwordHash,
        ]);
      }
    },
  },
});

describe('a domain plugs in with one manifest', () => {
  const set = new DomainSet([...DOMAINS, widgets], SYSTEM_KIND);

  it('puts its actions in the registry, its role in the roles and its worker kind in the worker kinds', () => {
    assert.ok(set.registry.get('make_widget'));
    assert.ok(set.roles.includes('widgeteer'));
    assert.ok(set.workerKinds.includes('widgets'));
    assert.equal(set.domainOf('make_widget'), 'widgets');
    assert.equal(set.homeOf('widgeteer'), 'widgets');
  });

  it("runs a `caller` action on the queue its manifest gives the caller's role", () => {
    const def = set.registry.get('read_widget');
    assert.ok(def?.mode === 'queued');
    assert.equal(set.registry.queueFor(def, { kind: 'user', id: 1, tenantId: 1, role: 'widgeteer', level: 1, email: 'x@y.test' }), 'widgets');
    assert.equal(set.registry.queueFor(def, { kind: 'user', id: 1, tenantId: 1, role: 'admin', level: 1, email: 'x@y.test' }), 'admin');
  });

  it('expands `signed-in` to every role, its own included', () => {
    const def = set.registry.get('get_task_result');
    assert.ok(def && def.roles !== 'public' && def.roles.includes('widgeteer') && def.roles.includes('compliance'));
  });

  it('names its rows in the sequence log and its callers in the authorization matrix', () => {
    const kinds = set.rowKinds();
    assert.equal(kinds.createdBy('make_widget'), 'widget');
    assert.equal(kinds.resultKindOf('read_widget'), 'widget');
    assert.equal(kinds.listKeys.widgets, 'widget');
    assert.ok(kinds.typed.has('widget'));
    assert.deepEqual(set.callersFor('widgeteer'), { tenants: { own: 'widgetco', other: 'acme' }, caller: 'maker1', other: 'maker2' });
    assert.deepEqual(set.tenantRoles('widgets').map((r) => r.role).sort(), ['admin', 'widgeteer']);
  });

  it('refuses a manifest that contradicts another, naming it', () => {
    const with_ = (extra: Partial<DomainManifest>) => () => new DomainSet([...DOMAINS, defineDomain({ name: 'bad', summary: 'bad', ...extra })], SYSTEM_KIND);
    assert.throws(with_({ roles: ['compliance'] }), /role compliance is declared by both backoffice and bad/);
    assert.throws(with_({ workerKinds: ['mail'] }), /bad: worker kind mail is declared twice/);
    assert.throws(with_({ actions: [makeWidget] }), /bad.make_widget: unknown role widgeteer/);
    assert.throws(with_({ roles: ['widgeteer'], actions: [makeWidget] }), /bad.make_widget: creates unknown id kind widget/);
    assert.throws(with_({ roles: ['widgeteer'], idKinds: { widget: {} }, actions: [makeWidget] }), /bad.make_widget: unknown worker kind widgets/);
    assert.throws(with_({ roles: ['widgeteer'], workerKinds: ['widgets'], idKinds: { widget: {} }, actions: [readWidget] }), /runs on the caller's queue, but role widgeteer has none/);
    assert.throws(with_({ idKinds: { customer: {} } }), /id kind customer is already declared by backoffice/);
    assert.throws(() => new DomainSet(DOMAINS.filter((d) => d.name !== 'tasks'), SYSTEM_KIND), /no domain declares the system worker kind system/);
  });
});

describe('demo data per domain, added to an existing database', function () {
  this.timeout(60_000);
  let b: TestBureau;
  before(async () => {
    b = await startTestBureau({ workers: [] });
  });
  after(() => b?.close());

  const snapshot = async () => (await b.db.query(`select id, tenant_id, email, role, first_name from app_user order by id`)).rows;

  it("loads a new domain's demo set into an existing database without moving any row of another domain", async () => {
    const before = await snapshot();
    const customers = (await b.db.query('select id, name from customer order by id')).rows;
    const set = new DomainSet([...DOMAINS, widgets], SYSTEM_KIND);
    const em = b.rt.orm.em.fork();
    assert.deepEqual(await missingDemoSets(em, set), [
      { domain: 'widgets', tenant: 'widgetco' },
      { domain: 'widgets', tenant: 'acme' },
    ]);

    assert.deepEqual(await loadDemo(em, DEMO_PASSWORD, b.config, set), ['widgets/widgetco', 'widgets/acme']);

    const after = await snapshot();
    assert.deepEqual(after.slice(0, before.length), before, 'existing users are untouched');
    assert.deepEqual((await b.db.query('select id, name from customer order by id')).rows, customers);
    const added = after.slice(before.length).map((u) => `${u.email} ${u.role}`);
    assert.deepEqual(added, ['maker1@widgetco.test widgeteer', 'maker2@widgetco.test widgeteer', 'maker1@acme.test widgeteer', 'maker2@acme.test widgeteer']);
    const roles = await b.db.query(`select t.slug, r.role from tenant_role r join tenant t on t.id = r.tenant_id where t.slug in ('widgetco', 'acme') order by 1, 2`);
    assert.deepEqual(roles.rows.map((r) => `${r.slug}:${r.role}`), ['acme:admin', 'acme:compliance', 'acme:requester', 'acme:service', 'acme:widgeteer', 'widgetco:admin', 'widgetco:widgeteer']);
    assert.deepEqual(await loadDemo(em, DEMO_PASSWORD, b.config, set), [], 'a second start loads nothing');
    // The new demo users can log in with the demo password.
    assert.ok(await b.login('maker1@widgetco.test'));
  });

  it("refuses a user whose role is not one of their tenant's (the tenant_role constraint)", async () => {
    const { rows } = await b.db.query(`select id from tenant where slug = 'globex'`);
    await assert.rejects(
      b.db.query(`insert into app_user (tenant_id, email, role, level, status) values ($1, 'stray@globex.test', 'widgeteer', 1, 'active')`, [rows[0].id]),
      /app_user_tenant_role_fk/,
    );
  });
});
