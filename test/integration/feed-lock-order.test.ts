import assert from 'node:assert/strict';
import type { EntityManager } from '@mikro-orm/postgresql';
import { appendFeed } from '../../src/pipeline/feed-entries.js';
import { startTestBureau, type TestBureau } from '../helpers/bureau.js';

/*
 * A task's transaction takes feed counters twice: its notices' (in user order)
 * and, at COMMIT, its owner's for the result. The owner's is locked with the
 * notices', in the same order, so a create notifying a reviewer and that
 * reviewer's review notifying the creator wait for one another instead of
 * deadlocking (a deadlock costs the victim a retry and, under load, one after
 * another with a growing backoff).
 */
describe('feed counters: one lock order per transaction, the owner\'s included', () => {
  let b: TestBureau;
  before(async () => (b = await startTestBureau()));
  after(() => b.close());

  it('lets two tasks notifying each other\'s owners both commit, each seq taken once', async () => {
    const { rows: users } = await b.db.query(`select id, tenant_id, email from app_user where email in ('admin@acme.test', 'compliance1@acme.test')`);
    const admin = users.find((u) => u.email === 'admin@acme.test')!;
    const reviewer = users.find((u) => u.email === 'compliance1@acme.test')!;
    const tenant = admin.tenant_id as number;
    const cursor = async (id: number) => Number((await b.db.query('select coalesce((select last_seq from feed_cursor where user_id = $1), 0)::int as n', [id])).rows[0].n);
    const before = { admin: await cursor(admin.id), reviewer: await cursor(reviewer.id) };
    const entry = (userId: number, what: string) => ({ userId, taskId: null, body: { type: 'notice', notice: { what } } });

    let notified!: () => void;
    const firstNotified = new Promise<void>((r) => (notified = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // The admin's create: notifies the reviewer, then (at COMMIT) its own result entry.
    const create = (b.rt.orm.em.fork() as EntityManager).transactional(async (tem) => {
      await appendFeed(tem as EntityManager, tenant, [entry(reviewer.id, 'new item')], admin.id);
      notified();
      await gate;
      await appendFeed(tem as EntityManager, tenant, [entry(admin.id, 'create result')]);
    });
    await firstNotified;
    // The reviewer's review: notifies the admin, then its own result entry.
    const review = (b.rt.orm.em.fork() as EntityManager).transactional(async (tem) => {
      await appendFeed(tem as EntityManager, tenant, [entry(admin.id, 'reviewed')], reviewer.id);
      await appendFeed(tem as EntityManager, tenant, [entry(reviewer.id, 'review result')]);
    });
    await new Promise((r) => setTimeout(r, 300)); // the review is now waiting on the create's locks
    release();
    await Promise.all([create, review]);

    assert.equal(await cursor(admin.id), before.admin + 2, 'the admin got two seqs (a notice, a result): the owner\'s lock took none');
    assert.equal(await cursor(reviewer.id), before.reviewer + 2);
    for (const u of [admin, reviewer]) {
      const { rows } = await b.db.query('select seq from feed_entry where user_id = $1 and seq > $2 order by seq', [u.id, u === admin ? before.admin : before.reviewer]);
      const first = u === admin ? before.admin : before.reviewer;
      assert.deepEqual(rows.map((r) => Number(r.seq)), [first + 1, first + 2], 'no gap, no seq twice');
    }
  });
});
