import assert from 'node:assert/strict';
import { startTestBureau, type TestBureau } from '../helpers/bureau.js';

describe('bureau without Redis (queues on BullMQ\'s PostgreSQL backend, fan-out by LISTEN/NOTIFY)', () => {
  let b: TestBureau;
  let admin: string;
  before(async function () {
    this.timeout(60_000);
    b = await startTestBureau({ noRedis: true });
    admin = await b.login('admin@acme.test');
  });
  after(() => b.close());

  it('runs an action end to end and pushes its result over the websocket', async () => {
    const feed = await b.feed(admin, 0);
    const r = await b.post({ token: admin, task: { action: 'create_customer', data: { name: 'No Redis Ltd' } } });
    assert.equal(r.status, 202);
    const m = await feed.waitFor((x) => x.type === 'result' && x.task.id === r.body.task.id && x.task.status === 'succeeded', 20_000);
    assert.equal(m.task.result.name, 'No Redis Ltd');
    await feed.close();
  });

  it('keeps the jobs in PostgreSQL tables, not in Redis', async () => {
    const { rows } = await b.db.query(`select count(*)::int as n from information_schema.tables where table_schema like 'bullmq_%'`);
    assert.ok(rows[0].n > 0);
  });

  it('delivers a notice to another user and resumes after a reconnect', async () => {
    const reviewer = await b.login('compliance1@acme.test');
    const feed = await b.feed(reviewer, 0);
    const created = await b.act(admin, 'create_document', { cid: 1, content: 'to review', level: 1 });
    assert.equal(created.body.task.status, 'succeeded');
    const notice = await feed.waitFor((m) => m.type === 'notice' && m.notice.item?.id === created.body.task.result.id, 20_000);
    await feed.close();
    const again = await b.feed(reviewer, notice.seq - 1);
    const replayed = await again.waitFor((m) => m.seq === notice.seq);
    assert.deepEqual(replayed, notice);
    await again.close();
  });
});
