import assert from 'node:assert/strict';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { FeedBus, FeedMessage } from '../../src/infra/feed-bus.js';
import { appendFeed, readFeed } from '../../src/pipeline/feed-entries.js';
import { FeedNumbering, numberOnPool, staleFeedUsers } from '../../src/pipeline/feed-numbering.js';
import { startTestBureau, type TestBureau } from '../helpers/bureau.js';

/*
 * Feed entries are appended unnumbered and numbered after COMMIT (issue 19), so
 * one user's transactions never wait for each other on the feed, while readers
 * still see each user's entries in seq order with no hole and none twice.
 */
describe('feed numbering: after commit, per user, without holes', () => {
  let b: TestBureau;
  let admin: { id: number; tenant_id: number };
  let reviewer: { id: number; tenant_id: number };
  before(async () => {
    b = await startTestBureau({ workers: [] });
    const { rows } = await b.db.query(`select id, tenant_id, email from app_user where email in ('admin@acme.test', 'compliance1@acme.test')`);
    admin = rows.find((u) => u.email === 'admin@acme.test');
    reviewer = rows.find((u) => u.email === 'compliance1@acme.test');
  });
  after(() => b.close());

  const em = () => b.rt.orm.em.fork() as EntityManager;
  const notice = (userId: number, what: string) => ({ userId, taskId: null, body: { type: 'notice', notice: { what } } });
  const lastSeq = async (userId: number) => Number((await b.db.query('select coalesce(max(seq), 0) as n from feed_entry where user_id = $1', [userId])).rows[0].n);
  /** A numbering of its own, as another process would have, recording what it publishes. */
  function numberer(): { feed: FeedNumbering; published: FeedMessage[] } {
    const published: FeedMessage[] = [];
    const bus: FeedBus = { publish: async (m) => void published.push(...m), subscribe: async () => undefined, close: async () => undefined };
    return { feed: new FeedNumbering(numberOnPool(b.db), bus, b.rt.log), published };
  }

  it('lets a user\'s second transaction append and commit while the first still holds its entry open', async () => {
    const start = await lastSeq(admin.id);
    let appended!: () => void;
    const firstAppended = new Promise<void>((r) => (appended = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = em().transactional(async (tem) => {
      await appendFeed(tem as EntityManager, admin.tenant_id, [notice(admin.id, 'first')]);
      appended();
      await gate;
    });
    await firstAppended;
    // With the counter locked until COMMIT (the old design) this transaction waited for the first; a lock wait now fails it.
    await em().transactional(async (tem) => {
      await (tem as EntityManager).execute(`set local lock_timeout = '1s'`);
      await appendFeed(tem as EntityManager, admin.tenant_id, [notice(admin.id, 'second'), notice(reviewer.id, 'second')]);
    });
    assert.deepEqual(await readFeed(em(), admin.id, start), [], 'nothing is readable before it is numbered');

    const n = numberer();
    await n.feed.settle([admin.id]);
    assert.deepEqual(n.published.map((m) => [m.seq, (m.body?.notice as { what: string }).what]), [[start + 1, 'second']], 'the committed entry is numbered; the open one is not visible');
    release();
    await first;
    await n.feed.settle([admin.id, reviewer.id]);
    const rows = await readFeed(em(), admin.id, start);
    assert.deepEqual(rows.map((r) => [Number(r.seq), (r.body.notice as { what: string }).what, r.body.seq]), [[start + 1, 'second', start + 1], [start + 2, 'first', start + 2]]);
  });

  it('gives every entry of one user one seq, with no hole, when many transactions and numberers race', async () => {
    const start = await lastSeq(reviewer.id);
    const numberers = [numberer(), numberer(), numberer()];
    const writers = Array.from({ length: 24 }, (_, w) => async () => {
      for (let i = 0; i < 5; i++) {
        await em().transactional((tem) => appendFeed(tem as EntityManager, reviewer.tenant_id, [notice(reviewer.id, `${w}.${i}`), notice(admin.id, `${w}.${i}`)]));
        await numberers[(w + i) % numberers.length]!.feed.settle([reviewer.id, admin.id]);
      }
    });
    await Promise.all(writers.map((w) => w()));
    const { rows } = await b.db.query('select seq, body from feed_entry where user_id = $1 and seq > $2 order by seq', [reviewer.id, start]);
    assert.equal(rows.length, 120);
    assert.deepEqual(rows.map((r) => Number(r.seq)), Array.from({ length: 120 }, (_, i) => start + i + 1), 'contiguous, each seq once');
    assert.equal(new Set(rows.map((r) => (r.body.notice as { what: string }).what)).size, 120, 'each entry once');
    assert.equal((await b.db.query('select count(*)::int as n from feed_entry where seq < 0')).rows[0].n, 0, 'nothing left unnumbered');
    for (const n of numberers) {
      const mine = n.published.filter((m) => m.userId === reviewer.id).map((m) => m.seq!);
      assert.deepEqual(mine, [...mine].sort((x, y) => x - y), 'each numbering publishes a user\'s entries in seq order');
    }
    const all = numberers.flatMap((n) => n.published.filter((m) => m.userId === reviewer.id).map((m) => m.seq));
    assert.equal(new Set(all).size, 120, 'every entry published once, by whichever numbering numbered it');
  });

  it('numbers several users in one call, each from its own cursor in append order, and leaves a user with nothing pending alone', async () => {
    const [a0, r0] = [await lastSeq(admin.id), await lastSeq(reviewer.id)];
    const { rows: idle } = await b.db.query(`select id from app_user where email = 'compliance2@acme.test'`);
    const idleId = idle[0].id as number;
    const cursor = async (userId: number) => (await b.db.query('select last_seq, xmin::text as x from feed_cursor where user_id = $1', [userId])).rows[0] ?? null;
    const idleBefore = await cursor(idleId);
    for (const what of ['one', 'two', 'three']) {
      await em().transactional((tem) => appendFeed(tem as EntityManager, admin.tenant_id, [notice(admin.id, what), ...(what === 'three' ? [] : [notice(reviewer.id, what)])]));
    }
    const n = numberer();
    await n.feed.settle([reviewer.id, idleId, admin.id]);
    const what = (m: FeedMessage) => (m.body?.notice as { what: string }).what;
    assert.deepEqual(n.published.map((m) => [m.userId, m.seq, what(m)]), [
      ...[[admin.id, a0 + 1, 'one'], [admin.id, a0 + 2, 'two'], [admin.id, a0 + 3, 'three']],
      ...[[reviewer.id, r0 + 1, 'one'], [reviewer.id, r0 + 2, 'two']],
    ].sort((x, y) => (x[0] as number) - (y[0] as number)));
    assert.equal(Number((await cursor(admin.id)).last_seq), a0 + 3);
    assert.equal(Number((await cursor(reviewer.id)).last_seq), r0 + 2);
    assert.deepEqual(await cursor(idleId), idleBefore, 'the idle user\'s cursor is not written');
    // The body carries its seq, as the live push and resume both send it.
    assert.deepEqual((await readFeed(em(), admin.id, a0)).map((r) => [Number(r.seq), r.body.seq]), [[a0 + 1, a0 + 1], [a0 + 2, a0 + 2], [a0 + 3, a0 + 3]]);
  });

  it('finds entries a process left unnumbered, so maintenance can number them', async () => {
    const start = await lastSeq(admin.id);
    await em().transactional((tem) => appendFeed(tem as EntityManager, admin.tenant_id, [notice(admin.id, 'orphan')]));
    await b.db.query(`update feed_entry set created_at = now() - interval '1 minute' where seq < 0`);
    assert.deepEqual(await staleFeedUsers(em(), 10_000), [admin.id]);
    const n = numberer();
    await n.feed.settle(await staleFeedUsers(em(), 10_000));
    assert.deepEqual(await staleFeedUsers(em(), 0), []);
    assert.deepEqual((await readFeed(em(), admin.id, start)).map((r) => Number(r.seq)), [start + 1]);
  });
});
