import assert from 'node:assert/strict';
import { openBackoffice, type Backoffice } from './backoffice-setup.js';

describe('create_customer', () => {
  let bo: Backoffice;
  before(async () => {
    bo = await openBackoffice();
  });
  after(() => bo?.close());

  it('creates a customer in the admin\'s tenant and returns its id and name', async () => {
    const result = await bo.ok('admin', 'create_customer', { name: '  Ada Lovelace  ' });

    assert.equal(result.name, 'Ada Lovelace');
    const { rows } = await bo.b.db.query('select tenant_id, name, created_by from customer where id = $1', [result.id]);
    assert.deepEqual(rows[0], { tenant_id: bo.acmeTenantId, name: 'Ada Lovelace', created_by: bo.userId.admin });
  });

  it('rejects a blank name with VALIDATION_FAILED naming the field', async () => {
    const { status, error } = await bo.refused('admin', 'create_customer', { name: '   ' });

    assert.equal(status, 400);
    assert.equal(error.code, 'VALIDATION_FAILED');
    assert.ok(error.details.issues.some((i: { path: string }) => i.path === 'name'));
  });

  it('refuses a compliance user with 403 FORBIDDEN before queueing anything', async () => {
    const before = await bo.taskCount();

    const { status, error } = await bo.refused('compliance3', 'create_customer', { name: 'Not Allowed' });

    assert.equal(status, 403);
    assert.equal(error.code, 'FORBIDDEN');
    assert.equal(await bo.taskCount(), before);
  });
});

describe('get_customer', () => {
  let bo: Backoffice;
  before(async () => {
    bo = await openBackoffice();
  });
  after(() => bo?.close());

  it('returns the customer with its documents, transfers (amounts as decimal strings) and inquiries', async () => {
    const cid = await bo.customer('Grace Hopper');
    const doc = await bo.document({ cid, level: 2 });
    const transfer = await bo.transfer({ cid, amount: '1234.05' });
    const inquiry = await bo.inquiry({ cid });

    const c = await bo.ok('service1', 'get_customer', { id: cid });

    assert.equal(c.id, cid);
    assert.equal(c.name, 'Grace Hopper');
    assert.deepEqual(c.documents, [{ id: doc.id, level: 2, status: 'pending' }]);
    assert.deepEqual(c.transfers, [{ id: transfer.id, level: 1, status: 'pending', amount: '1234.05' }]);
    assert.deepEqual(c.inquiries, [{ id: inquiry.id, level: 1, status: 'open' }]);
  });

  it('fails with NOT_FOUND for an id that does not exist', async () => {
    const error = await bo.fails('admin', 'get_customer', { id: 2_000_000_000 });

    assert.equal(error.code, 'NOT_FOUND');
  });
});

describe('create_document', () => {
  let bo: Backoffice;
  before(async () => {
    bo = await openBackoffice();
  });
  after(() => bo?.close());

  it('creates a pending level-1 document by default and records its creation', async () => {
    const cid = await bo.customer();

    const doc = await bo.ok('admin', 'create_document', { cid, content: 'Passport scan, page 2' });

    assert.equal(doc.type, 'document');
    assert.equal(doc.status, 'pending');
    assert.equal(doc.level, 1);
    assert.equal(doc.customerId, cid);
    assert.equal(doc.content, 'Passport scan, page 2');
    assert.equal(doc.createdBy, bo.userId.admin);
    assert.equal(doc.takenBy, null);
    const { rows } = await bo.b.db.query('select tenant_id, status, level from document where id = $1', [doc.id]);
    assert.deepEqual(rows[0], { tenant_id: bo.acmeTenantId, status: 'pending', level: 1 });
  });

  it('creates a document at the requested level', async () => {
    const doc = await bo.document({ level: 3 });

    assert.equal(doc.level, 3);
  });

  it('rejects a level above 3 with VALIDATION_FAILED', async () => {
    const cid = await bo.customer();

    const { status, error } = await bo.refused('admin', 'create_document', { cid, content: 'x', level: 4 });

    assert.equal(status, 400);
    assert.equal(error.code, 'VALIDATION_FAILED');
    assert.ok(error.details.issues.some((i: { path: string }) => i.path === 'level'));
  });

  it('fails with NOT_FOUND for a customer that does not exist, and writes nothing', async () => {
    const { rows: before } = await bo.b.db.query('select count(*)::int as n from document');

    const error = await bo.fails('admin', 'create_document', { cid: 2_000_000_000, content: 'Orphan' });

    assert.equal(error.code, 'NOT_FOUND');
    const { rows: after } = await bo.b.db.query('select count(*)::int as n from document');
    assert.equal(after[0].n, before[0].n);
  });


  it('refuses a service user creating a document with 403 FORBIDDEN', async () => {
    const cid = await bo.customer();

    const { status, error } = await bo.refused('service3', 'create_document', { cid, content: 'x' });

    assert.equal(status, 403);
    assert.equal(error.code, 'FORBIDDEN');
  });
});

describe('get_document', () => {
  let bo: Backoffice;
  before(async () => {
    bo = await openBackoffice();
  });
  after(() => bo?.close());

  it('returns a document to any role of the tenant, with its history', async () => {
    const doc = await bo.document({ content: 'Proof of address', level: 2 });

    const got = await bo.ok('service1', 'get_document', { id: doc.id });

    assert.equal(got.id, doc.id);
    assert.equal(got.content, 'Proof of address');
    assert.equal(got.level, 2);
    assert.equal(got.status, 'pending');
    assert.equal(got.history.length, 1);
    assert.deepEqual(
      { event: got.history[0].event, from: got.history[0].from, to: got.history[0].to, actor: got.history[0].actor },
      { event: 'create', from: null, to: 'pending', actor: 'admin@acme.test' },
    );
  });
});

describe('create_transfer', () => {
  let bo: Backoffice;
  let cid: number;
  before(async () => {
    bo = await openBackoffice();
    cid = await bo.customer('Money Mover');
  });
  after(() => bo?.close());

  const storedCents = async (id: number) => {
    const { rows } = await bo.b.db.query<{ amount_cents: string }>('select amount_cents::text from transfer where id = $1', [id]);
    return rows[0]!.amount_cents;
  };

  const accepted: [string, number | string, string, string][] = [
    ['a JSON number with two decimals', 1234.56, '123456', '1234.56'],
    ['a JSON number with one decimal', 98000.5, '9800050', '98000.50'],
    ['a whole JSON number', 42, '4200', '42.00'],
    ['a decimal string', '1250.00', '125000', '1250.00'],
    ['the smallest amount as a string', '0.01', '1', '0.01'],
    ['a string with one decimal', '0.1', '10', '0.10'],
    ['a large decimal string', '99999999999.99', '9999999999999', '99999999999.99'],
  ];
  for (const [what, amount, cents, shown] of accepted) {
    it(`stores ${what} (${JSON.stringify(amount)}) exactly as ${cents} cents`, async () => {
      const t = await bo.ok('admin', 'create_transfer', { cid, amount });

      assert.equal(await storedCents(t.id), cents);
      assert.equal(t.amountCents, Number(cents));
      assert.equal(t.amount, shown);
      assert.equal(t.status, 'pending');
    });
  }

  const rejected: [string, unknown][] = [
    ['three decimals as a string', '12.345'],
    ['three decimals as a number', 12.345],
    ['zero', 0],
    ['zero as a string', '0.00'],
    ['a negative number', -5],
    ['a negative string', '-5.00'],
    ['a float artefact like 0.1 + 0.2', 0.1 + 0.2],
    ['the float artefact written out', '0.30000000000000004'],
    ['a number in exponent notation', 1e21],
    ['a non-numeric string', '12,50'],
    ['an amount above 100 billion', '100000000000.01'],
  ];
  for (const [what, amount] of rejected) {
    it(`rejects ${what} with VALIDATION_FAILED on amount and stores nothing`, async () => {
      const { rows: before } = await bo.b.db.query('select count(*)::int as n from transfer');

      const { status, error } = await bo.refused('admin', 'create_transfer', { cid, amount });

      assert.equal(status, 400);
      assert.equal(error.code, 'VALIDATION_FAILED');
      assert.ok(error.details.issues.some((i: { path: string }) => i.path === 'amount'), JSON.stringify(error.details.issues));
      const { rows: after } = await bo.b.db.query('select count(*)::int as n from transfer');
      assert.equal(after[0].n, before[0].n);
    });
  }

  it('creates a transfer at the requested level', async () => {
    const t = await bo.ok('admin', 'create_transfer', { cid, amount: '10.00', level: 2 });

    assert.equal(t.level, 2);
  });

  it('fails with NOT_FOUND for a customer that does not exist', async () => {
    const error = await bo.fails('admin', 'create_transfer', { cid: 2_000_000_000, amount: '1.00' });

    assert.equal(error.code, 'NOT_FOUND');
  });
});

describe('get_transfer', () => {
  let bo: Backoffice;
  before(async () => {
    bo = await openBackoffice();
  });
  after(() => bo?.close());

  it('returns a transfer with its amount as a decimal string and in cents, and its history', async () => {
    const cid = await bo.customer();
    const t = await bo.transfer({ cid, amount: '1234.05', level: 3 });

    const got = await bo.ok('compliance1', 'get_transfer', { id: t.id });

    assert.equal(got.amount, '1234.05');
    assert.equal(got.amountCents, 123405);
    assert.equal(got.level, 3);
    assert.equal(got.customerId, cid);
    assert.deepEqual(got.history.map((h: { event: string }) => h.event), ['create']);
  });
});

describe('create_inquiry', () => {
  let bo: Backoffice;
  before(async () => {
    bo = await openBackoffice();
  });
  after(() => bo?.close());

  it('records an open inquiry without an answer', async () => {
    const cid = await bo.customer();

    const inquiry = await bo.ok('admin', 'create_inquiry', { cid, problem: 'My card was charged twice.', level: 2 });

    assert.equal(inquiry.type, 'inquiry');
    assert.equal(inquiry.status, 'open');
    assert.equal(inquiry.level, 2);
    assert.equal(inquiry.problem, 'My card was charged twice.');
    assert.equal(inquiry.answer, null);
  });

  it('rejects an empty problem with VALIDATION_FAILED', async () => {
    const cid = await bo.customer();

    const { status, error } = await bo.refused('admin', 'create_inquiry', { cid, problem: '' });

    assert.equal(status, 400);
    assert.equal(error.code, 'VALIDATION_FAILED');
  });
});

describe('get_inquiry', () => {
  let bo: Backoffice;
  before(async () => {
    bo = await openBackoffice();
  });
  after(() => bo?.close());

  it('returns an inquiry with its problem and history', async () => {
    const inquiry = await bo.inquiry({ problem: 'Where is my refund?' });

    const got = await bo.ok('compliance2', 'get_inquiry', { id: inquiry.id });

    assert.equal(got.problem, 'Where is my refund?');
    assert.equal(got.status, 'open');
    assert.equal(got.level, 1);
    assert.deepEqual(
      got.history.map((h: { event: string; to: string; actor: string }) => [h.event, h.to, h.actor]),
      [['create', 'open', 'admin@acme.test']],
    );
  });
});

describe('tenant isolation in the back office', () => {
  let bo: Backoffice;
  const globex: Record<'customer' | 'document' | 'transfer' | 'inquiry', number> = { customer: 0, document: 0, transfer: 0, inquiry: 0 };
  before(async () => {
    bo = await openBackoffice();
    for (const table of ['customer', 'document', 'transfer', 'inquiry'] as const) {
      const { rows } = await bo.b.db.query(`select x.id from ${table} x join tenant t on t.id = x.tenant_id where t.slug = 'globex' order by x.id limit 1`);
      assert.ok(rows[0], `the demo data has no globex ${table}`);
      globex[table] = rows[0].id;
    }
  });
  after(() => bo?.close());

  for (const type of ['customer', 'document', 'transfer', 'inquiry'] as const) {
    it(`answers NOT_FOUND to every acme role asking for a globex ${type}`, async () => {
      const codes = [];
      for (const user of ['admin', 'compliance3', 'service3'] as const) codes.push((await bo.fails(user, `get_${type}`, { id: globex[type] })).code);

      assert.deepEqual(codes, ['NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND']);
    });
  }

  for (const type of ['document', 'transfer', 'inquiry'] as const) {
    it(`answers NOT_FOUND to create_${type} for a globex customer, and writes nothing there`, async () => {
      const data = { document: { content: 'x' }, transfer: { amount: '1.00' }, inquiry: { problem: 'x' } }[type];
      const { rows: before } = await bo.b.db.query(`select count(*)::int as n from ${type} where customer_id = $1`, [globex.customer]);

      const error = await bo.fails('admin', `create_${type}`, { cid: globex.customer, ...data });

      assert.equal(error.code, 'NOT_FOUND');
      const { rows: after } = await bo.b.db.query(`select count(*)::int as n from ${type} where customer_id = $1`, [globex.customer]);
      assert.equal(after[0].n, before[0].n);
    });
  }

  it('answers NOT_FOUND when an acme reviewer reviews, takes or escalates a globex document, and leaves it untouched', async () => {
    const { rows: before } = await bo.b.db.query('select status, level, taken_by from document where id = $1', [globex.document]);

    const review = await bo.fails('compliance3', 'review_document', { id: globex.document, approved: true });
    const take = await bo.fails('compliance3', 'get_task', { id: globex.document, type: 'document' });
    const escalate = await bo.fails('admin', 'escalate_task', { id: globex.document, type: 'document', level: 3 });

    assert.deepEqual([review.code, take.code, escalate.code], ['NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND']);
    const { rows: after } = await bo.b.db.query('select status, level, taken_by from document where id = $1', [globex.document]);
    assert.deepEqual(after[0], before[0]);
  });

  it('answers NOT_FOUND when an acme agent answers a globex inquiry', async () => {
    const error = await bo.fails('service3', 'respond_inquiry', { id: globex.inquiry, answer: 'Hello', closed: true });

    assert.equal(error.code, 'NOT_FOUND');
  });

  it('lists only the caller\'s tenant in list_queue', async () => {
    const { items } = await bo.ok('compliance3', 'list_queue', { type: 'document', limit: 200 });

    const ids = items.map((i: { id: number }) => i.id);
    const { rows } = await bo.b.db.query('select distinct tenant_id from document where id = any($1::int[])', [ids]);
    assert.ok(ids.length > 0);
    assert.deepEqual(rows, [{ tenant_id: bo.acmeTenantId }]);
  });
});
