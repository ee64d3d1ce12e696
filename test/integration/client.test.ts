import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BureauClient, BureauError, FeedClient, type FeedResult } from 'bureau/client';
import { DEMO_PASSWORD, startTestBureau, type TestBureau } from '../helpers/bureau.js';

describe('the typed client (bureau/client)', () => {
  let b: TestBureau;
  before(async () => {
    b = await startTestBureau();
  });
  after(() => b.close());

  it('logs in and resolves a queued action with its result from the feed, typed from the registry', async () => {
    const client = new BureauClient({ url: b.url });
    try {
      const session = await client.login('admin@acme.test', DEMO_PASSWORD);
      assert.equal(session.user.email, 'admin@acme.test');
      const customer = await client.act('create_customer', { name: 'Typed Client Ltd' });
      assert.equal(typeof customer.id, 'number');
      const again = await client.act('get_customer', { id: customer.id });
      assert.equal(again.name, 'Typed Client Ltd');
    } finally {
      await client.close();
    }
  });

  it('answers an inline action with its reply, and throws a failed task as BureauError with its code', async () => {
    const client = new BureauClient({ url: b.url });
    try {
      await client.login('admin@acme.test', DEMO_PASSWORD);
      const err = await client.act('get_customer', { id: 999_999 }).then(() => null, (e: unknown) => e);
      assert.ok(err instanceof BureauError);
      assert.equal(err.code, 'NOT_FOUND');
      assert.equal(typeof err.taskId, 'number');
      const view = await client.act('get_task_result', { id: err.taskId! });
      assert.equal(view.status, 'failed');
      const refused = await client.act('create_customer', { name: '' }).then(() => null, (e: unknown) => e);
      assert.ok(refused instanceof BureauError);
      assert.equal(refused.code, 'VALIDATION_FAILED');
      assert.equal(refused.status, 400);
    } finally {
      await client.close();
    }
  });

  it('resumes a feed from its last seq: the results it missed come once, in order, with the time they finished', async () => {
    const token = await b.login('admin@acme.test');
    const first = new FeedClient({ url: `${b.url.replace(/^http/, 'ws')}/ws`, token });
    await first.open();
    const before = await b.act(token, 'create_customer', { name: 'Seen' });
    await first.waitFor(before.body.task.id, 10_000);
    const seen = first.lastSeq;
    await first.close();

    const missed = [await b.act(token, 'create_customer', { name: 'Missed 1' }), await b.act(token, 'create_customer', { name: 'Missed 2' })];
    const entries: FeedResult[] = [];
    const resumed = new FeedClient({ url: `${b.url.replace(/^http/, 'ws')}/ws`, token, after: seen, onEntry: (m) => entries.push(m as unknown as FeedResult) });
    await resumed.open();
    try {
      for (const m of missed) {
        const r = await resumed.waitFor(m.body.task.id, 10_000);
        assert.equal(r.task.status, 'succeeded');
        assert.ok(r.seq > seen);
        assert.equal(new Date(r.task.finishedAt!).toISOString(), r.task.finishedAt, 'finishedAt is an ISO instant');
        assert.equal(Date.parse(r.task.finishedAt!), new Date(m.body.task.finishedAt).getTime(), 'the time the task finished, not when it was replayed');
      }
      const seqs = entries.map((e) => e.seq);
      assert.deepEqual(seqs, [...new Set(seqs)].sort((x, y) => x - y));
    } finally {
      await resumed.close();
    }
  });

  it('sends a POST whose reply was lost again with the same idempotency key: one task', async () => {
    // A proxy in front of the API that forwards the first POST and then cuts the connection instead of replying.
    let posts = 0;
    const proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          const upstream = await fetch(`${b.url}${req.url}`, { method: req.method, headers: req.headers as Record<string, string>, body: req.method === 'POST' ? Buffer.concat(chunks) : undefined });
          const body = Buffer.from(await upstream.arrayBuffer());
          if (req.method === 'POST' && ++posts === 2) return req.socket.destroy();
          res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' }).end(body);
        })();
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const client = new BureauClient({ url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, wsUrl: `${b.url.replace(/^http/, 'ws')}/ws`, retryDelayMs: 50 });
    try {
      await client.login('admin@acme.test', DEMO_PASSWORD); // POST 1
      const key = `retry-${Date.now()}`;
      const made = await client.act('create_customer', { name: 'Exactly Once' }, { key }); // POST 2 is cut, POST 3 gets the first task back
      assert.equal(posts, 3);
      const rows = await b.db.query('select count(*)::int as n from task where idem_key = $1', [key]);
      assert.equal(rows.rows[0].n, 1);
      const customers = await b.db.query(`select count(*)::int as n from customer where name = 'Exactly Once'`);
      assert.equal(customers.rows[0].n, 1);
      assert.equal(typeof made.id, 'number');
    } finally {
      await client.close();
      proxy.close();
    }
  });
  it('never sends an inline action again after no answer or a 502 (it ignores the key and may have run), but does after a 503', async () => {
    // A proxy that, for the POSTs of one inline action, cuts the reply (`cut`), answers 502 itself after forwarding, or 503 without forwarding (`refuse`).
    let inlinePosts = 0;
    let plan: ('cut' | '502' | 'refuse' | 'pass')[] = [];
    const proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          const body = Buffer.concat(chunks);
          const inline = req.method === 'POST' && /"action":"get_task_result"/.test(body.toString());
          const step = inline ? (plan.shift() ?? 'pass') : 'pass';
          if (inline) inlinePosts++;
          if (step === 'refuse') return res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'busy' } }));
          const upstream = await fetch(`${b.url}${req.url}`, { method: req.method, headers: req.headers as Record<string, string>, body: req.method === 'POST' ? body : undefined });
          const answer = Buffer.from(await upstream.arrayBuffer());
          if (step === 'cut') return req.socket.destroy();
          if (step === '502') return res.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway');
          res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' }).end(answer);
        })();
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const client = new BureauClient({ url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, wsUrl: `${b.url.replace(/^http/, 'ws')}/ws`, retryDelayMs: 20 });
    try {
      await client.login('admin@acme.test', DEMO_PASSWORD);
      const made = await client.act('create_customer', { name: 'Inline Retry Target' });
      const [{ id: taskId }] = (await b.db.query(`select id from task where action = 'create_customer' and input->>'name' = 'Inline Retry Target'`)).rows;

      plan = ['cut'];
      inlinePosts = 0;
      const lost = await client.act('get_task_result', { id: Number(taskId) }).then(
        () => null,
        (err: unknown) => err,
      );
      assert.ok(lost instanceof BureauError);
      assert.equal(lost.code, 'UNAVAILABLE');
      assert.equal(lost.details?.mayHaveRun, true);
      assert.equal(inlinePosts, 1, 'an inline action whose reply was lost is not sent again');

      plan = ['502'];
      inlinePosts = 0;
      await assert.rejects(client.act('get_task_result', { id: Number(taskId) }), (err: BureauError) => err.status === 502);
      assert.equal(inlinePosts, 1, 'nor after a 502 (a proxy answered after the action may have run)');

      plan = ['refuse', 'refuse'];
      inlinePosts = 0;
      const got = await client.act('get_task_result', { id: Number(taskId) });
      assert.equal(inlinePosts, 3, 'a 503 is a refusal before anything ran: sent again');
      assert.equal(Number((got as { id: number }).id), Number(taskId));
      assert.equal(typeof made.id, 'number');
    } finally {
      await client.close();
      proxy.close();
    }
  });
});
