import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startWeb, type WebHandle } from '../../src/runtime.js';
import { openFeed, startTestBureau, type TestBureau } from '../helpers/bureau.js';

function firstClose(url: string, firstMessage: string | null, origin?: string): Promise<{ code: number; messages: any[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + '/ws', origin ? { origin } : {});
    const messages: any[] = [];
    ws.on('open', () => firstMessage !== null && ws.send(firstMessage));
    ws.on('message', (raw) => messages.push(JSON.parse(raw.toString())));
    ws.on('close', (code) => resolve({ code, messages }));
    ws.on('unexpected-response', (_req, res) => resolve({ code: res.statusCode ?? 0, messages }));
    ws.on('error', (err) => (err.message.includes('Unexpected server response') ? undefined : reject(err)));
  });
}

describe('the /ws result feed', () => {
  let b: TestBureau;
  let second: WebHandle;
  let admin: string;
  before(async () => {
    b = await startTestBureau();
    second = await startWeb(b.rt, { port: 0, host: '127.0.0.1' });
    admin = await b.login('admin@acme.test');
  });
  after(async () => {
    await second.close();
    await b.close();
  });

  it('closes with 4401 and an UNAUTHENTICATED error for an unknown token', async () => {
    const r = await firstClose(b.url, JSON.stringify({ token: 'nope', after: 0 }));
    assert.equal(r.code, 4401);
    assert.equal(r.messages[0].error.code, 'UNAUTHENTICATED');
  });

  it('closes with 4400 when the first message is not {token, after}', async () => {
    const r = await firstClose(b.url, 'hello?');
    assert.equal(r.code, 4400);
    assert.equal(r.messages[0].error.code, 'BAD_JSON');
    const r2 = await firstClose(b.url, JSON.stringify({ after: 'x' }));
    assert.equal(r2.code, 4400);
  });

  it('refuses a browser page from another origin', async () => {
    const r = await firstClose(b.url, JSON.stringify({ token: admin, after: 0 }), 'http://evil.example');
    assert.equal(r.code, 403);
  });

  it('accepts a page of its own origin', async () => {
    const feed = await openFeed(b.url, admin, 0, b.url);
    assert.equal(feed.messages[0].type, 'hello');
    await feed.close();
  });

  it('sends results of actions posted to one web process to a websocket on another', async () => {
    const port = second.port;
    const feed = await openFeed(`http://127.0.0.1:${port}`, admin, 0);
    const r = await b.post({ token: admin, task: { action: 'create_customer', data: { name: 'Across' } } });
    const m = await feed.waitFor((x) => x.type === 'result' && x.task.id === r.body.task.id && x.task.status === 'succeeded');
    assert.equal(m.task.result.name, 'Across');
    await feed.close();
  });

  it('resumes on another web process from the last seq, without gaps or duplicates', async () => {
    const a = await openFeed(b.url, admin, 0);
    const first = await b.act(admin, 'create_customer', { name: 'Resume 1' });
    const seen = await a.waitFor((x) => x.type === 'result' && x.task.id === first.body.task.id && x.seq);
    await a.close();
    const ids: number[] = [];
    for (let i = 2; i <= 4; i++) ids.push((await b.act(admin, 'create_customer', { name: `Resume ${i}` })).body.task.id);
    const other = await openFeed(`http://127.0.0.1:${second.port}`, admin, seen.seq);
    await other.waitFor((x) => x.type === 'result' && x.task.id === ids[2]);
    const results = other.results();
    assert.deepEqual(results.map((x) => x.seq), Array.from({ length: results.length }, (_, i) => seen.seq + 1 + i));
    assert.deepEqual(results.map((x) => x.task.id), ids);
    await other.close();
  });

  it('fills a gap from PostgreSQL when a live push was lost', async () => {
    const feed = await openFeed(b.url, admin, 0);
    const before = await b.act(admin, 'create_customer', { name: 'Before gap' });
    const last = await feed.waitFor((x) => x.task?.id === before.body.task.id && x.seq);
    // A result stored but never published (its worker died between commit and publish).
    const { rows } = await b.db.query(
      `with c as (update feed_cursor set last_seq = last_seq + 1 where user_id = (select id from app_user where email = 'admin@acme.test' and tenant_id = 1) returning user_id, last_seq)
       insert into feed_entry (user_id, seq, tenant_id, task_id, body) select user_id, last_seq, 1, null, jsonb_build_object('type', 'notice', 'seq', last_seq, 'notice', jsonb_build_object('type', 'lost')) from c returning seq`,
    );
    const lostSeq = rows[0].seq;
    assert.equal(lostSeq, last.seq + 1);
    const after = await b.act(admin, 'create_customer', { name: 'After gap' });
    await feed.waitFor((x) => x.task?.id === after.body.task.id && x.seq);
    const seqs = feed.messages.filter((x) => x.seq).map((x) => x.seq);
    assert.ok(seqs.includes(lostSeq), 'the lost entry was delivered');
    assert.deepEqual(seqs, [...new Set(seqs)].sort((x, y) => x - y), 'in order, once');
    await feed.close();
  });

  it('never sends one user\'s results to another user', async () => {
    const other = await b.login('compliance1@acme.test');
    const feed = await openFeed(b.url, other, 0);
    const r = await b.act(admin, 'create_customer', { name: 'Private' });
    await b.act(other, 'get_customer', { id: 1 });
    await feed.waitFor((x) => x.type === 'result' && x.task.action === 'get_customer' && x.seq);
    assert.ok(!feed.messages.some((x) => x.task?.id === r.body.task.id));
    await feed.close();
  });
});

describe('feed retention', () => {
  let b: TestBureau;
  before(async () => (b = await startTestBureau({ config: { feedRetentionDays: 1 } })));
  after(() => b.close());

  it('prunes stored results older than FEED_RETENTION_DAYS through the system queue\'s scheduled job', async () => {
    const admin = await b.login('admin@acme.test');
    const old = await b.act(admin, 'create_customer', { name: 'Old news' });
    const fresh = await b.act(admin, 'create_customer', { name: 'Fresh news' });
    await b.db.query(`update feed_entry set created_at = now() - interval '2 days' where task_id = $1`, [old.body.task.id]);
    const queue = b.rt.queues.queue('system');
    const job = await queue.add('prune-feed', { taskId: 0 });
    for (let i = 0; i < 100 && !(await job.isCompleted()); i++) await new Promise((r) => setTimeout(r, 50));
    const { rows } = await b.db.query('select task_id from feed_entry where task_id = any($1)', [[old.body.task.id, fresh.body.task.id]]);
    assert.deepEqual(rows.map((r: { task_id: number }) => r.task_id), [fresh.body.task.id]);
    assert.ok((await queue.getJobSchedulers()).some((s) => s.key === 'prune-feed'));
  });
});
