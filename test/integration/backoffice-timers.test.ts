import assert from 'node:assert/strict';
import type { Feed } from '../helpers/bureau.js';
import { eventually, openBackoffice, type Backoffice, type HistoryRow } from './backoffice-setup.js';

type Notice = { type: 'notice'; seq: number; notice: { type: string; item: { type: string; id: number; level?: number; takenBy?: number } } };

const isNotice = (m: { type: string }): m is Notice => m.type === 'notice';
const noticesAbout = (feed: Feed, type: string, id: number): Notice['notice'][] =>
  feed.messages.filter(isNotice).filter((m) => m.notice.item?.type === type && m.notice.item.id === id).map((m) => m.notice);

describe('back-office queue notices', () => {
  let bo: Backoffice;
  const feeds: Feed[] = [];
  const open = async (user: Parameters<Backoffice['ok']>[0]) => {
    const feed = await bo.b.feed(bo.token[user]);
    feeds.push(feed);
    return feed;
  };
  before(async () => {
    bo = await openBackoffice();
  });
  after(async () => {
    await Promise.all(feeds.map((f) => f.close()));
    await bo?.close();
  });

  it('tells a compliance user about a new document at or below their level, and not about one above it', async () => {
    const c1 = await open('compliance1');
    const c3 = await open('compliance3');
    const cid = await bo.customer();

    const high = await bo.document({ cid, level: 3 });
    const low = await bo.document({ cid, level: 1 });

    const seen = await c1.waitFor((m) => isNotice(m) && m.notice.type === 'queue.item_added' && m.notice.item.id === low.id);
    assert.deepEqual(seen.notice.item, { type: 'document', id: low.id, level: 1 });
    assert.equal(typeof seen.seq, 'number');
    // Notices reach a user in seq order and `high` was created first: had it been sent, it would be here by now.
    assert.deepEqual(noticesAbout(c1, 'document', high.id), []);
    const { rows } = await bo.b.db.query(`select count(*)::int as n from feed_entry where user_id = $1 and body->'notice'->'item'->>'type' = 'document' and (body->'notice'->'item'->>'id')::int = $2`, [bo.userId.compliance1, high.id]);
    assert.equal(rows[0].n, 0);
    await c3.waitFor((m) => isNotice(m) && m.notice.type === 'queue.item_added' && m.notice.item.id === high.id);
    await c3.waitFor((m) => isNotice(m) && m.notice.type === 'queue.item_added' && m.notice.item.id === low.id);
  });

  it('tells service agents about new inquiries, and compliance users not at all', async () => {
    const s1 = await open('service1');
    const c3 = await open('compliance3');

    const inquiry = await bo.inquiry({ level: 1 });
    const marker = await bo.document({ level: 1 });

    await s1.waitFor((m) => isNotice(m) && m.notice.type === 'queue.item_added' && m.notice.item.type === 'inquiry' && m.notice.item.id === inquiry.id);
    await c3.waitFor((m) => isNotice(m) && m.notice.item?.type === 'document' && m.notice.item.id === marker.id);
    assert.deepEqual(noticesAbout(c3, 'inquiry', inquiry.id), []);
    assert.deepEqual(noticesAbout(s1, 'document', marker.id), []);
  });

  it('announces an escalated document to the reviewers of its new level only', async () => {
    const c1 = await open('compliance1');
    const c2 = await open('compliance2');
    const doc = await bo.document({ level: 1 });
    await c1.waitFor((m) => isNotice(m) && m.notice.type === 'queue.item_added' && m.notice.item.id === doc.id);

    await bo.ok('admin', 'escalate_task', { id: doc.id, type: 'document', level: 2 });
    const marker = await bo.document({ level: 1 });

    await c2.waitFor((m) => isNotice(m) && m.notice.type === 'queue.item_added' && m.notice.item.id === doc.id && m.notice.item.level === 2);
    await c1.waitFor((m) => isNotice(m) && m.notice.item?.id === marker.id);
    assert.deepEqual(noticesAbout(c1, 'document', doc.id).map((n) => [n.type, n.item.level]), [['queue.item_added', 1]]);
  });

  it('tells only the reviewers who could see a document that it left the queue', async () => {
    const c1 = await open('compliance1');
    const c3 = await open('compliance3');
    const doc = await bo.document({ level: 2 });

    await bo.ok('compliance2', 'review_document', { id: doc.id, approved: false });
    const marker = await bo.document({ level: 1 });

    await c3.waitFor((m) => isNotice(m) && m.notice.type === 'queue.item_removed' && m.notice.item.id === doc.id);
    await c1.waitFor((m) => isNotice(m) && m.notice.item?.id === marker.id);
    assert.deepEqual(noticesAbout(c1, 'document', doc.id), []);
  });

  it('tells service agents that an answered inquiry is still queued and a closed one has left the queue', async () => {
    const s2 = await open('service2');
    const inquiry = await bo.inquiry({ level: 1 });

    await bo.ok('service1', 'respond_inquiry', { id: inquiry.id, answer: 'Looking into it', closed: false });
    await bo.ok('service1', 'respond_inquiry', { id: inquiry.id, answer: 'Done', closed: true });

    await s2.waitFor((m) => isNotice(m) && m.notice.type === 'queue.item_removed' && m.notice.item.id === inquiry.id);
    assert.deepEqual(
      noticesAbout(s2, 'inquiry', inquiry.id).map((n) => [n.type, (n.item as { status?: string }).status]),
      [
        ['queue.item_added', undefined],
        ['queue.item_updated', 'answered'],
        ['queue.item_removed', 'closed'],
      ],
    );
  });

  it('tells the other reviewers that a document was taken, and its creator that it was decided', async () => {
    const c3 = await open('compliance3');
    const admin = await open('admin');
    const doc = await bo.document({ level: 1 });

    await bo.ok('compliance1', 'get_task', { id: doc.id, type: 'document' });
    await bo.ok('compliance1', 'review_document', { id: doc.id, approved: true });

    const taken = await c3.waitFor((m) => isNotice(m) && m.notice.type === 'queue.item_taken' && m.notice.item.id === doc.id);
    assert.equal(taken.notice.item.takenBy, bo.userId.compliance1);
    await c3.waitFor((m) => isNotice(m) && m.notice.type === 'queue.item_removed' && m.notice.item.id === doc.id);
    await admin.waitFor((m) => isNotice(m) && m.notice.type === 'document.approved' && m.notice.item.id === doc.id);
  });
});

describe('SLA escalation timer', () => {
  let bo: Backoffice;
  before(async () => {
    bo = await openBackoffice({ config: { slaMs: { 1: 300, 2: 300, 3: 300 } } });
  });
  after(() => bo?.close());

  const slaTimer = (type: string, id: number, level: number) =>
    eventually(`the ${type} ${id} level-${level} SLA timer to run`, async () => {
      const { rows } = await bo.b.db.query(`select status, result from task where action = 'sla_escalate' and idem_key = $1`, [`sla:${type}:${id}:${level}`]);
      return rows[0]?.status === 'succeeded' ? (rows[0].result as { escalated: boolean; reason?: string; level?: number }) : undefined;
    });

  it('escalates an untaken level-1 document to level 2 as the system, with an SLA reason', async () => {
    const doc = await bo.document({ level: 1 });

    const escalations = await eventually('an SLA escalation in the history', async () => {
      const rows = (await bo.history('document', doc.id)).filter((h) => h.event === 'escalate');
      return rows.length ? rows : undefined;
    });

    const first = escalations[0] as HistoryRow;
    assert.equal(first.actor, 'system');
    assert.equal(first.reason, 'SLA: untaken for 0.3 s at level 1');
    assert.deepEqual([first.from, first.to], ['pending', 'pending']);
    assert.deepEqual(first.data, { fromLevel: 1, toLevel: 2 });
    const got = await bo.ok('admin', 'get_document', { id: doc.id });
    assert.ok(got.level >= 2);
    assert.equal(got.status, 'pending');
  });

  it('keeps escalating an untaken document level by level and stops at level 3', async () => {
    const doc = await bo.document({ level: 1 });

    const top = await slaTimer('document', doc.id, 3);

    assert.equal(top.escalated, false);
    const got = await bo.ok('admin', 'get_document', { id: doc.id });
    assert.equal(got.level, 3);
    assert.deepEqual(
      got.history.filter((h: HistoryRow) => h.event === 'escalate').map((h: HistoryRow) => [h.actor, h.data]),
      [
        ['system', { fromLevel: 1, toLevel: 2 }],
        ['system', { fromLevel: 2, toLevel: 3 }],
      ],
    );
  });

  it('leaves a taken document alone', async () => {
    const doc = await bo.document({ level: 1 });
    await bo.ok('compliance1', 'get_task', { id: doc.id, type: 'document' });

    const timer = await slaTimer('document', doc.id, 1);

    assert.equal(timer.escalated, false);
    const got = await bo.ok('admin', 'get_document', { id: doc.id });
    assert.deepEqual([got.level, got.status, got.takenBy], [1, 'in_review', bo.userId.compliance1]);
    assert.deepEqual(got.history.map((h: HistoryRow) => h.event), ['create', 'take']);
  });

  it('escalates an untaken inquiry too', async () => {
    const inquiry = await bo.inquiry({ level: 2 });

    const timer = await slaTimer('inquiry', inquiry.id, 2);

    assert.equal(timer.escalated, true);
    const got = await bo.ok('admin', 'get_inquiry', { id: inquiry.id });
    assert.equal(got.level, 3);
    assert.equal(got.status, 'open');
  });
});
