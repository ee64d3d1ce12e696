import assert from 'node:assert/strict';
import { openBackoffice, type Backoffice } from './backoffice-setup.js';

describe('list_customers', () => {
  let bo: Backoffice;
  before(async () => {
    bo = await openBackoffice();
  });
  after(() => bo?.close());

  it('lists the tenant\'s customers newest first with their open items, and pages with offset', async () => {
    const cid = await bo.customer('Zelda Quorum');
    await bo.document({ cid });
    await bo.transfer({ cid });
    const inquiry = await bo.inquiry({ cid });
    await bo.ok('service3', 'respond_inquiry', { id: inquiry.id, answer: 'Done.', closed: true });

    const first = await bo.ok('admin', 'list_customers', { limit: 2 });
    const second = await bo.ok('admin', 'list_customers', { limit: 2, offset: 2 });

    assert.deepEqual(first.customers[0], { id: cid, name: 'Zelda Quorum', createdAt: first.customers[0].createdAt, open: { documents: 1, transfers: 1, inquiries: 0 } });
    assert.equal(first.customers.length, 2);
    assert.ok(second.customers.every((c: { id: number }) => c.id < first.customers[1].id), 'the second page continues below the first');
    const { rows } = await bo.b.db.query('select count(*)::int as n from customer where tenant_id = $1', [bo.acmeTenantId]);
    assert.equal(first.total, rows[0].n, 'total counts the tenant\'s customers only');
  });

  it('filters by part of the name, case-insensitively, treating % and _ literally', async () => {
    await bo.customer('Quentin 100% Blake');
    await bo.customer('Quentin 1000 Blake');

    const found = await bo.ok('admin', 'list_customers', { q: '100%' });
    const none = await bo.ok('admin', 'list_customers', { q: 'no such name anywhere' });

    assert.deepEqual(found.customers.map((c: { name: string }) => c.name), ['Quentin 100% Blake']);
    assert.equal(found.total, 1);
    assert.deepEqual(none, { total: 0, limit: 50, offset: 0, customers: [] });
  });

  it('never shows another tenant\'s customers', async () => {
    const globex = await bo.b.login('admin@globex.test');
    const r = await bo.b.act(globex, 'list_customers', { q: 'Zelda Quorum' });

    assert.equal(r.body.task.status, 'succeeded');
    assert.equal(r.body.task.result.total, 0);
  });

  it('refuses compliance and service users with 403 FORBIDDEN', async () => {
    for (const user of ['compliance3', 'service3'] as const) {
      const { status, error } = await bo.refused(user, 'list_customers', {});
      assert.equal(status, 403);
      assert.equal(error.code, 'FORBIDDEN');
    }
  });
});

describe('search_tasks', () => {
  let bo: Backoffice;
  let cid: number;
  before(async () => {
    bo = await openBackoffice();
    cid = await bo.customer('Searchable Customer');
    await bo.transfer({ cid, amount: '10.00' });
    await bo.transfer({ cid, amount: '20.00' });
    await bo.document({ cid });
    await bo.fails('compliance1', 'get_customer', { id: 2_000_000_000 });
  });
  after(() => bo?.close());

  it('finds tasks by action and a field of their input, newest first, without itself', async () => {
    const r = await bo.ok('admin', 'search_tasks', { action: 'create_transfer', field: 'cid', value: String(cid) });

    assert.equal(r.total, 2);
    assert.deepEqual(r.tasks.map((t: any) => t.input.amount), ['20.00', '10.00']);
    assert.ok(r.tasks.every((t: any) => t.action === 'create_transfer' && t.status === 'succeeded' && t.actor === 'admin@acme.test'));
    assert.equal(r.tasks[0].result.customerId, cid);
  });

  it('filters by status and actor email, and by "system" for timers', async () => {
    const failed = await bo.ok('admin', 'search_tasks', { status: 'failed', actor: 'COMPLIANCE1@acme.test' });
    const system = await bo.ok('admin', 'search_tasks', { actor: 'system', limit: 5 });

    assert.equal(failed.total, 1);
    assert.equal(failed.tasks[0].action, 'get_customer');
    assert.equal(failed.tasks[0].error.code, 'NOT_FOUND');
    assert.ok(system.tasks.length > 0, 'the demo data has SLA timers');
    assert.ok(system.tasks.every((t: any) => t.actor === 'system'));
  });

  it('filters by a creation time range and pages with limit and offset', async () => {
    const { rows } = await bo.b.db.query(`select min(created_at) as first from task where action = 'create_transfer' and input->>'cid' = $1`, [String(cid)]);
    const from = new Date(rows[0].first).toISOString();

    const all = await bo.ok('admin', 'search_tasks', { from, field: 'cid', value: String(cid) });
    const page = await bo.ok('admin', 'search_tasks', { from, field: 'cid', value: String(cid), limit: 1, offset: 1 });
    const before = await bo.ok('admin', 'search_tasks', { to: from, field: 'cid', value: String(cid) });

    assert.equal(all.total, 3, 'two transfers and a document for this customer');
    assert.equal(page.tasks.length, 1);
    assert.equal(page.tasks[0].id, all.tasks[1].id);
    assert.equal(before.total, 0);
  });

  it('rejects a field without a value and a malformed date with VALIDATION_FAILED naming the field', async () => {
    const noValue = await bo.refused('admin', 'search_tasks', { field: 'cid' });
    const badDate = await bo.refused('admin', 'search_tasks', { from: 'yesterday' });
    const badPath = await bo.refused('admin', 'search_tasks', { field: 'a; drop table task', value: 'x' });

    assert.equal(noValue.error.code, 'VALIDATION_FAILED');
    assert.deepEqual(noValue.error.details.issues.map((i: any) => i.path), ['value']);
    assert.deepEqual(badDate.error.details.issues.map((i: any) => i.path), ['from']);
    assert.deepEqual(badPath.error.details.issues.map((i: any) => i.path), ['field']);
  });

  it('is for admins only and never shows another tenant\'s tasks', async () => {
    const refused = await bo.refused('compliance3', 'search_tasks', {});
    const globex = await bo.b.login('admin@globex.test');
    const r = await bo.b.act(globex, 'search_tasks', { field: 'cid', value: String(cid), action: 'create_transfer' });

    assert.equal(refused.status, 403);
    assert.equal(r.body.task.result.total, 0);
  });
});
