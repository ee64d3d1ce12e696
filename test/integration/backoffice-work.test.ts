import assert from 'node:assert/strict';
import { ERROR_CATALOGUE } from '../../src/core/errors.js';
import { openBackoffice, type Backoffice } from './backoffice-setup.js';

const row = async (bo: Backoffice, table: string, id: number) => {
  const { rows } = await bo.b.db.query(`select status, level, taken_by, decided_by from ${table} where id = $1`, [id]);
  return rows[0] as { status: string; level: number; taken_by: number | null; decided_by: number | null };
};

describe('get_task', () => {
  let bo: Backoffice;
  before(async () => {
    bo = await openBackoffice();
  });
  after(() => bo?.close());

  it('takes the document with the given id for the caller and records the take', async () => {
    const doc = await bo.document({ level: 1 });

    const taken = await bo.ok('compliance1', 'get_task', { id: doc.id, type: 'document' });

    assert.equal(taken.id, doc.id);
    assert.equal(taken.status, 'in_review');
    assert.equal(taken.takenBy, bo.userId.compliance1);
    assert.deepEqual(await row(bo, 'document', doc.id), { status: 'in_review', level: 1, taken_by: bo.userId.compliance1, decided_by: null });
    const last = (await bo.history('document', doc.id)).at(-1)!;
    assert.deepEqual([last.event, last.from, last.to, last.actor], ['take', 'pending', 'in_review', 'compliance1@acme.test']);
  });

  it('takes a transfer and an inquiry for the roles that work them', async () => {
    const transfer = await bo.transfer({ level: 2 });
    const inquiry = await bo.inquiry({ level: 2 });

    const t = await bo.ok('compliance2', 'get_task', { id: transfer.id, type: 'transfer' });
    const i = await bo.ok('service2', 'get_task', { id: inquiry.id, type: 'inquiry' });

    assert.deepEqual([t.status, t.takenBy], ['in_review', bo.userId.compliance2]);
    assert.deepEqual([i.status, i.takenBy], ['in_progress', bo.userId.service2]);
  });

  it('without an id hands the next waiting document at or below the caller\'s level and marks it taken', async () => {
    await bo.document({ level: 1 });
    const { rows: waiting } = await bo.b.db.query(`select id from document where tenant_id = $1 and status = 'pending' and level <= 2`, [bo.acmeTenantId]);

    const taken = await bo.ok('compliance2', 'get_task', { type: 'document' });

    assert.ok(waiting.some((w) => w.id === taken.id), `document ${taken.id} was not waiting`);
    assert.ok(taken.level <= 2);
    assert.equal(taken.status, 'in_review');
    assert.deepEqual(await row(bo, 'document', taken.id), { status: 'in_review', level: taken.level, taken_by: bo.userId.compliance2, decided_by: null });
  });

  it('gives a document back to the reviewer who already holds it, without a second take', async () => {
    const doc = await bo.document({ level: 1 });
    await bo.ok('compliance1', 'get_task', { id: doc.id, type: 'document' });

    const again = await bo.ok('compliance1', 'get_task', { id: doc.id, type: 'document' });

    assert.equal(again.takenBy, bo.userId.compliance1);
    assert.deepEqual((await bo.history('document', doc.id)).map((h) => h.event), ['create', 'take']);
  });

  it('lets exactly one of two reviewers racing for the same document take it', async () => {
    const doc = await bo.document({ level: 1 });

    const [a, b] = await Promise.all(['compliance1', 'compliance2'].map((u) => bo.b.act(bo.token[u as 'compliance1'], 'get_task', { id: doc.id, type: 'document' })));

    const tasks = [a!.body.task, b!.body.task];
    assert.deepEqual(tasks.map((t) => t.status).sort(), ['failed', 'succeeded']);
    const winner = tasks.find((t) => t.status === 'succeeded')!;
    assert.equal(tasks.find((t) => t.status === 'failed')!.error.code, 'TAKEN_BY_OTHER');
    assert.equal((await row(bo, 'document', doc.id)).taken_by, winner.result.takenBy);
    assert.deepEqual((await bo.history('document', doc.id)).map((h) => h.event), ['create', 'take']);
  });

  it('without an id hands two reviewers asking at once two different documents', async () => {
    await bo.document({ level: 1 });
    await bo.document({ level: 1 });

    const [a, b] = await Promise.all(['compliance2', 'compliance3'].map((u) => bo.ok(u as 'compliance2', 'get_task', { type: 'document' })));

    assert.notEqual(a.id, b.id);
    assert.equal((await row(bo, 'document', a.id)).taken_by, bo.userId.compliance2);
    assert.equal((await row(bo, 'document', b.id)).taken_by, bo.userId.compliance3);
  });

  it('rejects a level-1 reviewer taking a level-2 document with LEVEL_TOO_LOW', async () => {
    const doc = await bo.document({ level: 2 });

    const error = await bo.fails('compliance1', 'get_task', { id: doc.id, type: 'document' });

    assert.equal(error.code, 'LEVEL_TOO_LOW');
    assert.deepEqual(error.details, { required: 2, yours: 1 });
    assert.deepEqual(await row(bo, 'document', doc.id), { status: 'pending', level: 2, taken_by: null, decided_by: null });
  });

  it('rejects a document already taken by another reviewer with TAKEN_BY_OTHER', async () => {
    const doc = await bo.document({ level: 1 });
    await bo.ok('compliance1', 'get_task', { id: doc.id, type: 'document' });

    const error = await bo.fails('compliance3', 'get_task', { id: doc.id, type: 'document' });

    assert.equal(error.code, 'TAKEN_BY_OTHER');
    assert.equal(error.details.takenBy, bo.userId.compliance1);
    assert.equal((await row(bo, 'document', doc.id)).taken_by, bo.userId.compliance1);
  });

  it('fails a compliance user taking an inquiry with FORBIDDEN (checked by the worker)', async () => {
    const inquiry = await bo.inquiry({ level: 1 });

    const error = await bo.fails('compliance3', 'get_task', { id: inquiry.id, type: 'inquiry' });

    assert.equal(error.code, 'FORBIDDEN');
    assert.equal((await row(bo, 'inquiry', inquiry.id)).status, 'open');
  });

  it('fails a service user taking a document with FORBIDDEN', async () => {
    const doc = await bo.document({ level: 1 });

    const error = await bo.fails('service3', 'get_task', { id: doc.id, type: 'document' });

    assert.equal(error.code, 'FORBIDDEN');
  });

  it('refuses an admin with 403 FORBIDDEN before queueing', async () => {
    const { status, error } = await bo.refused('admin', 'get_task', { type: 'document' });

    assert.equal(status, 403);
    assert.equal(error.code, 'FORBIDDEN');
  });

  it('fails taking a decided document with INVALID_TRANSITION', async () => {
    const doc = await bo.document({ level: 1 });
    await bo.ok('compliance1', 'review_document', { id: doc.id, approved: true });

    const error = await bo.fails('compliance2', 'get_task', { id: doc.id, type: 'document' });

    assert.equal(error.code, 'INVALID_TRANSITION');
  });

  it('without an id takes only inquiries at or below the agent\'s level, then answers NOTHING_AVAILABLE', async () => {
    await bo.inquiry({ level: 1 });
    await bo.inquiry({ level: 2 });
    const levels: number[] = [];

    let error: { code: string } | undefined;
    for (let i = 0; i < 50 && !error; i++) {
      const task = (await bo.b.act(bo.token.service1, 'get_task', { type: 'inquiry' })).body.task;
      if (task.status === 'failed') error = task.error;
      else levels.push(task.result.level);
    }

    assert.equal(error?.code, 'NOTHING_AVAILABLE');
    assert.ok(levels.length >= 1, 'took nothing before running out');
    assert.ok(levels.every((l) => l === 1), `took levels ${levels.join(',')}`);
    const { rows } = await bo.b.db.query(`select count(*)::int as n from inquiry where tenant_id = $1 and status = 'open' and level = 1`, [bo.acmeTenantId]);
    assert.equal(rows[0].n, 0);
  });
});

describe('review_document', () => {
  let bo: Backoffice;
  before(async () => {
    bo = await openBackoffice();
  });
  after(() => bo?.close());

  it('approves a document at the reviewer\'s level and records who decided', async () => {
    const doc = await bo.document({ level: 2 });

    const reviewed = await bo.ok('compliance2', 'review_document', { id: doc.id, approved: true, reason: 'Matches the passport' });

    assert.equal(reviewed.status, 'approved');
    assert.equal(reviewed.decidedBy, bo.userId.compliance2);
    assert.deepEqual(await row(bo, 'document', doc.id), { status: 'approved', level: 2, taken_by: bo.userId.compliance2, decided_by: bo.userId.compliance2 });
    const last = (await bo.history('document', doc.id)).at(-1)!;
    assert.deepEqual([last.event, last.from, last.to, last.actor, last.reason], ['approve', 'pending', 'approved', 'compliance2@acme.test', 'Matches the passport']);
  });

  it('rejects a document the reviewer has taken, with the reason in its history', async () => {
    const doc = await bo.document({ level: 1 });
    await bo.ok('compliance1', 'get_task', { id: doc.id, type: 'document' });

    const reviewed = await bo.ok('compliance1', 'review_document', { id: doc.id, approved: false, reason: 'Blurred scan' });

    assert.equal(reviewed.status, 'rejected');
    const last = (await bo.history('document', doc.id)).at(-1)!;
    assert.deepEqual([last.event, last.from, last.to, last.reason], ['reject', 'in_review', 'rejected', 'Blurred scan']);
  });

  it('lets a higher-level reviewer decide a lower-level document', async () => {
    const doc = await bo.document({ level: 1 });

    const reviewed = await bo.ok('compliance3', 'review_document', { id: doc.id, approved: true });

    assert.equal(reviewed.status, 'approved');
  });

  it('rejects a reviewer below the document level with LEVEL_TOO_LOW', async () => {
    const doc = await bo.document({ level: 2 });

    const error = await bo.fails('compliance1', 'review_document', { id: doc.id, approved: true });

    assert.equal(error.code, 'LEVEL_TOO_LOW');
    assert.equal((await row(bo, 'document', doc.id)).status, 'pending');
  });

  it('refuses a service user with 403 FORBIDDEN at the HTTP door, queueing nothing', async () => {
    const doc = await bo.document({ level: 1 });
    const before = await bo.taskCount();

    const { status, error } = await bo.refused('service3', 'review_document', { id: doc.id, approved: true });

    assert.equal(status, 403);
    assert.equal(error.code, 'FORBIDDEN');
    assert.equal(await bo.taskCount(), before);
    assert.equal((await row(bo, 'document', doc.id)).status, 'pending');
  });

  it('rejects a reviewer when another has taken the document with TAKEN_BY_OTHER', async () => {
    const doc = await bo.document({ level: 1 });
    await bo.ok('compliance1', 'get_task', { id: doc.id, type: 'document' });

    const error = await bo.fails('compliance2', 'review_document', { id: doc.id, approved: true });

    assert.equal(error.code, 'TAKEN_BY_OTHER');
    assert.equal((await row(bo, 'document', doc.id)).status, 'in_review');
  });

  it('refuses to review a decided document again with the 409 INVALID_TRANSITION', async () => {
    const doc = await bo.document({ level: 1 });
    await bo.ok('compliance1', 'review_document', { id: doc.id, approved: true });

    const error = await bo.fails('compliance3', 'review_document', { id: doc.id, approved: false });

    assert.equal(error.code, 'INVALID_TRANSITION');
    assert.equal(ERROR_CATALOGUE.INVALID_TRANSITION.status, 409);
    assert.equal(error.details.from, 'approved');
    assert.equal(error.details.event, 'reject');
    assert.deepEqual(await row(bo, 'document', doc.id), { status: 'approved', level: 1, taken_by: bo.userId.compliance1, decided_by: bo.userId.compliance1 });
  });

  it('rejects a missing `approved` with VALIDATION_FAILED', async () => {
    const doc = await bo.document({ level: 1 });

    const { status, error } = await bo.refused('compliance1', 'review_document', { id: doc.id });

    assert.equal(status, 400);
    assert.equal(error.code, 'VALIDATION_FAILED');
    assert.ok(error.details.issues.some((i: { path: string }) => i.path === 'approved'));
  });
});

describe('review_transfer', () => {
  let bo: Backoffice;
  before(async () => {
    bo = await openBackoffice();
  });
  after(() => bo?.close());

  it('approves a transfer and keeps its amount', async () => {
    const transfer = await bo.transfer({ level: 1, amount: '1250.00' });

    const reviewed = await bo.ok('compliance1', 'review_transfer', { id: transfer.id, approved: true });

    assert.equal(reviewed.status, 'approved');
    assert.equal(reviewed.amount, '1250.00');
    assert.equal(reviewed.decidedBy, bo.userId.compliance1);
    assert.equal((await row(bo, 'transfer', transfer.id)).status, 'approved');
  });

  it('rejects a transfer with a reason', async () => {
    const transfer = await bo.transfer({ level: 3 });

    const reviewed = await bo.ok('compliance3', 'review_transfer', { id: transfer.id, approved: false, reason: 'Beneficiary not verified' });

    assert.equal(reviewed.status, 'rejected');
    const last = (await bo.history('transfer', transfer.id)).at(-1)!;
    assert.deepEqual([last.event, last.to, last.actor, last.reason], ['reject', 'rejected', 'compliance3@acme.test', 'Beneficiary not verified']);
  });

  it('rejects a reviewer below the transfer level with LEVEL_TOO_LOW', async () => {
    const transfer = await bo.transfer({ level: 3 });

    const error = await bo.fails('compliance2', 'review_transfer', { id: transfer.id, approved: true });

    assert.equal(error.code, 'LEVEL_TOO_LOW');
    assert.equal((await row(bo, 'transfer', transfer.id)).status, 'pending');
  });

  it('refuses to decide a rejected transfer again with INVALID_TRANSITION', async () => {
    const transfer = await bo.transfer({ level: 1 });
    await bo.ok('compliance1', 'review_transfer', { id: transfer.id, approved: false });

    const error = await bo.fails('compliance1', 'review_transfer', { id: transfer.id, approved: true });

    assert.equal(error.code, 'INVALID_TRANSITION');
    assert.equal((await row(bo, 'transfer', transfer.id)).status, 'rejected');
  });

  it('refuses an admin with 403 FORBIDDEN at the HTTP door', async () => {
    const transfer = await bo.transfer({ level: 1 });

    const { status, error } = await bo.refused('admin', 'review_transfer', { id: transfer.id, approved: true });

    assert.equal(status, 403);
    assert.equal(error.code, 'FORBIDDEN');
  });
});

describe('escalate_task', () => {
  let bo: Backoffice;
  before(async () => {
    bo = await openBackoffice();
  });
  after(() => bo?.close());

  it('raises the level of a taken document and puts it back in the queue, untaken, with the reason in its history', async () => {
    const doc = await bo.document({ level: 1 });
    await bo.ok('compliance1', 'get_task', { id: doc.id, type: 'document' });

    const escalated = await bo.ok('compliance1', 'escalate_task', { id: doc.id, type: 'document', level: 2, reason: 'Needs a senior eye' });

    assert.deepEqual([escalated.level, escalated.status, escalated.takenBy], [2, 'pending', null]);
    assert.deepEqual(await row(bo, 'document', doc.id), { status: 'pending', level: 2, taken_by: null, decided_by: null });
    const last = (await bo.history('document', doc.id)).at(-1)!;
    assert.deepEqual(last, { ...last, event: 'escalate', from: 'in_review', to: 'pending', actor: 'compliance1@acme.test', reason: 'Needs a senior eye', data: { fromLevel: 1, toLevel: 2 } });
  });

  it('puts an escalated document out of reach of the lower level', async () => {
    const doc = await bo.document({ level: 1 });
    await bo.ok('compliance1', 'escalate_task', { id: doc.id, type: 'document', level: 2 });

    const error = await bo.fails('compliance1', 'get_task', { id: doc.id, type: 'document' });

    assert.equal(error.code, 'LEVEL_TOO_LOW');
  });

  it('lets an admin escalate a transfer and a service agent escalate an inquiry', async () => {
    const transfer = await bo.transfer({ level: 1 });
    const inquiry = await bo.inquiry({ level: 1 });

    const t = await bo.ok('admin', 'escalate_task', { id: transfer.id, type: 'transfer', level: 3 });
    const i = await bo.ok('service1', 'escalate_task', { id: inquiry.id, type: 'inquiry', level: 2 });

    assert.deepEqual([t.level, t.status], [3, 'pending']);
    assert.deepEqual([i.level, i.status], [2, 'open']);
  });

  const notRaised: [string, number, number][] = [
    ['the same level', 2, 2],
    ['a lower level', 2, 1],
    ['a level above 3', 2, 4],
    ['any level once the document is at 3', 3, 3],
  ];
  for (const [what, from, to] of notRaised) {
    it(`refuses ${what} (${from} -> ${to}) with LEVEL_NOT_RAISED and leaves the document as it was`, async () => {
      const doc = await bo.document({ level: from });

      const error = await bo.fails('admin', 'escalate_task', { id: doc.id, type: 'document', level: to });

      assert.equal(error.code, 'LEVEL_NOT_RAISED');
      assert.deepEqual(error.details, { current: from, requested: to });
      assert.deepEqual(await row(bo, 'document', doc.id), { status: 'pending', level: from, taken_by: null, decided_by: null });
      assert.deepEqual((await bo.history('document', doc.id)).map((h) => h.event), ['create']);
    });
  }

  it('rejects a reviewer escalating a document above their own level with LEVEL_TOO_LOW', async () => {
    const doc = await bo.document({ level: 2 });

    const error = await bo.fails('compliance1', 'escalate_task', { id: doc.id, type: 'document', level: 3 });

    assert.equal(error.code, 'LEVEL_TOO_LOW');
    assert.equal((await row(bo, 'document', doc.id)).level, 2);
  });

  it('rejects a reviewer escalating a document another reviewer holds with TAKEN_BY_OTHER, but lets an admin do it', async () => {
    const doc = await bo.document({ level: 1 });
    await bo.ok('compliance1', 'get_task', { id: doc.id, type: 'document' });

    const error = await bo.fails('compliance2', 'escalate_task', { id: doc.id, type: 'document', level: 2 });
    const byAdmin = await bo.ok('admin', 'escalate_task', { id: doc.id, type: 'document', level: 2 });

    assert.equal(error.code, 'TAKEN_BY_OTHER');
    assert.deepEqual([byAdmin.level, byAdmin.takenBy], [2, null]);
  });

  it('fails a compliance user escalating an inquiry with FORBIDDEN', async () => {
    const inquiry = await bo.inquiry({ level: 1 });

    const error = await bo.fails('compliance3', 'escalate_task', { id: inquiry.id, type: 'inquiry', level: 2 });

    assert.equal(error.code, 'FORBIDDEN');
    assert.equal((await row(bo, 'inquiry', inquiry.id)).level, 1);
  });

  it('refuses to escalate a decided document with INVALID_TRANSITION', async () => {
    const doc = await bo.document({ level: 1 });
    await bo.ok('compliance1', 'review_document', { id: doc.id, approved: true });

    const error = await bo.fails('admin', 'escalate_task', { id: doc.id, type: 'document', level: 2 });

    assert.equal(error.code, 'INVALID_TRANSITION');
    assert.deepEqual(await row(bo, 'document', doc.id), { status: 'approved', level: 1, taken_by: bo.userId.compliance1, decided_by: bo.userId.compliance1 });
  });
});

describe('four eyes on escalated items', () => {
  let bo: Backoffice;
  before(async () => {
    bo = await openBackoffice();
  });
  after(() => bo?.close());

  it('refuses approval by the reviewer who escalated the document with FOUR_EYES', async () => {
    const doc = await bo.document({ level: 1 });
    await bo.ok('compliance2', 'escalate_task', { id: doc.id, type: 'document', level: 2 });

    const error = await bo.fails('compliance2', 'review_document', { id: doc.id, approved: true });

    assert.equal(error.code, 'FOUR_EYES');
    assert.deepEqual(await row(bo, 'document', doc.id), { status: 'pending', level: 2, taken_by: null, decided_by: null });
  });

  it('lets another reviewer of the new level approve it', async () => {
    const doc = await bo.document({ level: 1 });
    await bo.ok('compliance2', 'escalate_task', { id: doc.id, type: 'document', level: 2 });

    const approved = await bo.ok('compliance3', 'review_document', { id: doc.id, approved: true });

    assert.equal(approved.status, 'approved');
    assert.equal(approved.decidedBy, bo.userId.compliance3);
  });

  it('applies to transfers: the escalating reviewer is refused, a colleague of the new level approves', async () => {
    const transfer = await bo.transfer({ level: 1 });
    await bo.ok('compliance2', 'get_task', { id: transfer.id, type: 'transfer' });
    await bo.ok('compliance2', 'escalate_task', { id: transfer.id, type: 'transfer', level: 2 });

    const error = await bo.fails('compliance2', 'review_transfer', { id: transfer.id, approved: true });
    const approved = await bo.ok('compliance3', 'review_transfer', { id: transfer.id, approved: true });

    assert.equal(error.code, 'FOUR_EYES');
    assert.equal(approved.status, 'approved');
  });

  it('records create, take, escalate and approve in the history with actors, statuses and reasons', async () => {
    const doc = await bo.document({ level: 1 });
    await bo.ok('compliance1', 'get_task', { id: doc.id, type: 'document' });
    await bo.ok('compliance1', 'escalate_task', { id: doc.id, type: 'document', level: 2, reason: 'Signature looks different' });
    await bo.ok('compliance3', 'review_document', { id: doc.id, approved: true, reason: 'Verified by phone' });

    const got = await bo.ok('service1', 'get_document', { id: doc.id });

    assert.deepEqual(
      got.history.map((h: { event: string; from: string | null; to: string; actor: string; reason: string | null }) => ({ event: h.event, from: h.from, to: h.to, actor: h.actor, reason: h.reason })),
      [
        { event: 'create', from: null, to: 'pending', actor: 'admin@acme.test', reason: null },
        { event: 'take', from: 'pending', to: 'in_review', actor: 'compliance1@acme.test', reason: null },
        { event: 'escalate', from: 'in_review', to: 'pending', actor: 'compliance1@acme.test', reason: 'Signature looks different' },
        { event: 'approve', from: 'pending', to: 'approved', actor: 'compliance3@acme.test', reason: 'Verified by phone' },
      ],
    );
    assert.ok(got.history.every((h: { at: unknown }) => typeof h.at === 'string' && !Number.isNaN(Date.parse(h.at))));
    assert.equal(got.status, 'approved');
    assert.equal(got.level, 2);
  });
});

describe('respond_inquiry', () => {
  let bo: Backoffice;
  before(async () => {
    bo = await openBackoffice();
  });
  after(() => bo?.close());

  it('answers an inquiry, then closes it, keeping the latest answer and the history', async () => {
    const inquiry = await bo.inquiry({ level: 1, problem: 'My card was charged twice.' });
    await bo.ok('service1', 'get_task', { id: inquiry.id, type: 'inquiry' });

    const answered = await bo.ok('service1', 'respond_inquiry', { id: inquiry.id, answer: 'We are looking into it.', closed: false });
    const closed = await bo.ok('service1', 'respond_inquiry', { id: inquiry.id, answer: 'We refunded the duplicate charge.', closed: true });

    assert.deepEqual([answered.status, answered.answer], ['answered', 'We are looking into it.']);
    assert.deepEqual([closed.status, closed.answer, closed.decidedBy], ['closed', 'We refunded the duplicate charge.', bo.userId.service1]);
    const got = await bo.ok('admin', 'get_inquiry', { id: inquiry.id });
    assert.equal(got.answer, 'We refunded the duplicate charge.');
    assert.deepEqual(
      got.history.map((h: { event: string; from: string | null; to: string; actor: string }) => [h.event, h.from, h.to, h.actor]),
      [
        ['create', null, 'open', 'admin@acme.test'],
        ['take', 'open', 'in_progress', 'service1@acme.test'],
        ['answer', 'in_progress', 'answered', 'service1@acme.test'],
        ['close', 'answered', 'closed', 'service1@acme.test'],
      ],
    );
  });

  it('closes an open inquiry in one step', async () => {
    const inquiry = await bo.inquiry({ level: 2 });

    const closed = await bo.ok('service3', 'respond_inquiry', { id: inquiry.id, answer: 'Done.', closed: true });

    assert.equal(closed.status, 'closed');
  });

  it('refuses to answer a closed inquiry with INVALID_TRANSITION', async () => {
    const inquiry = await bo.inquiry({ level: 1 });
    await bo.ok('service1', 'respond_inquiry', { id: inquiry.id, answer: 'Done.', closed: true });

    const error = await bo.fails('service1', 'respond_inquiry', { id: inquiry.id, answer: 'One more thing', closed: false });

    assert.equal(error.code, 'INVALID_TRANSITION');
    const got = await bo.ok('admin', 'get_inquiry', { id: inquiry.id });
    assert.deepEqual([got.status, got.answer], ['closed', 'Done.']);
  });

  it('rejects an agent below the inquiry level with LEVEL_TOO_LOW', async () => {
    const inquiry = await bo.inquiry({ level: 2 });

    const error = await bo.fails('service1', 'respond_inquiry', { id: inquiry.id, answer: 'Hi', closed: true });

    assert.equal(error.code, 'LEVEL_TOO_LOW');
  });

  it('rejects an agent when another has taken the inquiry with TAKEN_BY_OTHER', async () => {
    const inquiry = await bo.inquiry({ level: 1 });
    await bo.ok('service1', 'get_task', { id: inquiry.id, type: 'inquiry' });

    const error = await bo.fails('service2', 'respond_inquiry', { id: inquiry.id, answer: 'Hi', closed: true });

    assert.equal(error.code, 'TAKEN_BY_OTHER');
  });

  it('refuses a compliance user with 403 FORBIDDEN at the HTTP door', async () => {
    const inquiry = await bo.inquiry({ level: 1 });

    const { status, error } = await bo.refused('compliance3', 'respond_inquiry', { id: inquiry.id, answer: 'Hi', closed: true });

    assert.equal(status, 403);
    assert.equal(error.code, 'FORBIDDEN');
  });
});

describe('list_queue', () => {
  let bo: Backoffice;
  before(async () => {
    bo = await openBackoffice();
  });
  after(() => bo?.close());

  const ids = (items: { id: number }[]) => items.map((i) => i.id);

  it('lists waiting and in-work documents at or below the caller\'s level, oldest first', async () => {
    const l1 = await bo.document({ level: 1 });
    const l2 = await bo.document({ level: 2 });
    const l3 = await bo.document({ level: 3 });
    await bo.ok('compliance2', 'get_task', { id: l2.id, type: 'document' });

    const { type, items } = await bo.ok('compliance2', 'list_queue', { type: 'document', limit: 200 });

    assert.equal(type, 'document');
    assert.ok(ids(items).includes(l1.id));
    assert.ok(ids(items).includes(l2.id));
    assert.ok(!ids(items).includes(l3.id));
    assert.ok(items.every((i: { level: number; status: string }) => i.level <= 2 && ['pending', 'in_review'].includes(i.status)));
    assert.deepEqual(ids(items), [...ids(items)].sort((a, b) => a - b));
    assert.equal(items.find((i: { id: number }) => i.id === l2.id).takenBy, bo.userId.compliance2);
  });

  it('leaves decided documents out', async () => {
    const doc = await bo.document({ level: 1 });
    await bo.ok('compliance1', 'review_document', { id: doc.id, approved: false });

    const { items } = await bo.ok('compliance1', 'list_queue', { type: 'document', limit: 200 });

    assert.ok(!ids(items).includes(doc.id));
  });

  it('returns at most `limit` items', async () => {
    await bo.transfer({ level: 1 });
    await bo.transfer({ level: 1 });

    const { items } = await bo.ok('compliance3', 'list_queue', { type: 'transfer', limit: 1 });

    assert.equal(items.length, 1);
    assert.equal(items[0].type, 'transfer');
    assert.match(items[0].amount, /^\d+\.\d{2}$/);
  });

  it('keeps answered inquiries in the queue and drops closed ones', async () => {
    const answered = await bo.inquiry({ level: 1 });
    const closed = await bo.inquiry({ level: 1 });
    await bo.ok('service1', 'respond_inquiry', { id: answered.id, answer: 'Soon', closed: false });
    await bo.ok('service1', 'respond_inquiry', { id: closed.id, answer: 'Done', closed: true });

    const { items } = await bo.ok('service1', 'list_queue', { type: 'inquiry', limit: 200 });

    assert.ok(ids(items).includes(answered.id));
    assert.ok(!ids(items).includes(closed.id));
  });
});
