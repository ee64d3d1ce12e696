import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { startTestBureau, type TestBureau } from '../helpers/bureau.js';

describe('POST /api/v1 rejects bad input with a clear 4xx and writes nothing', () => {
  let b: TestBureau;
  let admin: string;
  let taskCount: () => Promise<number>;
  before(async () => {
    b = await startTestBureau();
    admin = await b.login('admin@acme.test');
    taskCount = async () => (await b.db.query('select count(*)::int as n from task')).rows[0].n;
  });
  after(() => b.close());

  const cases: [string, () => Promise<{ status: number; body: any }>, number, string][] = [
    ['malformed JSON', () => b.post('{"token": "x", "task": {'), 400, 'BAD_JSON'],
    ['a body over the limit', () => b.post({ token: admin, task: { action: 'create_customer', data: { name: 'x'.repeat(300_000) } } }), 413, 'PAYLOAD_TOO_LARGE'],
    ['a body that is not JSON', () => fetch(`${b.url}/api/v1`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' }).then(async (r) => ({ status: r.status, body: await r.json() })), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['a __proto__ key (prototype poisoning)', () => b.post(`{"token": "${admin}", "task": {"action": "create_customer", "data": {"name": "a", "__proto__": {"admin": true}}}}`), 400, 'BAD_JSON'],
    ['a JSON body that is not an object or an array', () => b.post('123'), 400, 'BAD_JSON'],
    ['an empty body', () => b.post(''), 400, 'BAD_ENVELOPE'],
    ['a missing task', () => b.post({ token: admin }), 400, 'BAD_ENVELOPE'],
    ['an extra envelope key', () => b.post({ token: admin, task: { action: 'create_customer', data: { name: 'a' } }, extra: 1 }), 400, 'BAD_ENVELOPE'],
    ['an extra task key', () => b.post({ token: admin, task: { action: 'create_customer', data: { name: 'a' }, when: 'now' } }), 400, 'BAD_ENVELOPE'],
    ['an array body', () => b.post([1, 2]), 400, 'BAD_ENVELOPE'],
    ['an unknown action', () => b.post({ token: admin, task: { action: 'launch_rocket', data: {} } }), 400, 'UNKNOWN_ACTION'],
    ['an internal action', () => b.post({ token: admin, task: { action: 'sla_escalate', data: { type: 'document', id: 1, level: 1 } } }), 400, 'UNKNOWN_ACTION'],
    ['a wrong type', () => b.post({ token: admin, task: { action: 'create_document', data: { cid: 'one', content: 'x' } } }), 400, 'VALIDATION_FAILED'],
    ['a missing field', () => b.post({ token: admin, task: { action: 'create_document', data: { cid: 1 } } }), 400, 'VALIDATION_FAILED'],
    ['an extra data field', () => b.post({ token: admin, task: { action: 'create_customer', data: { name: 'a', vip: true } } }), 400, 'VALIDATION_FAILED'],
    ['no token', () => b.post({ task: { action: 'create_customer', data: { name: 'a' } } }), 401, 'UNAUTHENTICATED'],
    ['an unknown token', () => b.post({ token: 'not-a-token', task: { action: 'create_customer', data: { name: 'a' } } }), 401, 'UNAUTHENTICATED'],
    ['a wrong password', () => b.post({ task: { action: 'login', data: { name: 'admin@acme.test', password: 'wrong' } } }), 401, 'INVALID_CREDENTIALS'],
    ['an unknown login', () => b.post({ task: { action: 'login', data: { name: 'nobody@acme.test', password: 'wrong' } } }), 401, 'INVALID_CREDENTIALS'],
  ];
  for (const [what, send, status, code] of cases) {
    it(`answers ${status} ${code} to ${what}`, async () => {
      const before = await taskCount();
      const r = await send();
      assert.equal(r.status, status, JSON.stringify(r.body));
      assert.equal(r.body.error.code, code);
      assert.equal(typeof r.body.error.message, 'string');
      assert.equal(await taskCount(), before);
    });
  }

  it('takes a body with a charset, a byte-order mark or gzip encoding as it takes a plain one', async () => {
    const body = JSON.stringify({ token: admin, task: { action: 'create_customer', data: { name: 'Encoded' } } });
    const send = (headers: Record<string, string>, payload: string | Blob) => fetch(`${b.url}/api/v1`, { method: 'POST', headers, body: payload }).then(async (r) => ({ status: r.status, body: await r.json() }));
    for (const r of [
      await send({ 'content-type': 'application/json; charset=UTF-8' }, body),
      await send({ 'content-type': 'application/json' }, `\ufeff${body}`),
      await send({ 'content-type': 'application/json', 'content-encoding': 'gzip' }, new Blob([new Uint8Array(gzipSync(body))])),
    ]) {
      assert.equal(r.status, 202, JSON.stringify(r.body));
    }
  });

  it('names the bad field in a validation error', async () => {
    const r = await b.post({ token: admin, task: { action: 'create_document', data: { cid: 'one', content: 'x' } } });
    assert.deepEqual(r.body.error.details.issues.map((i: { path: string }) => i.path), ['cid']);
    assert.match(r.body.error.message, /cid/);
  });

  it('lists the known actions when the action is unknown', async () => {
    const r = await b.post({ token: admin, task: { action: 'launch_rocket' } });
    assert.ok(r.body.error.details.known.includes('create_transfer'));
    assert.ok(!r.body.error.details.known.includes('sla_escalate'));
  });

  it('answers 403 FORBIDDEN to a role that may not run the action, before queueing it', async () => {
    const service = await b.login('service1@acme.test');
    const before = await taskCount();
    const r = await b.post({ token: service, task: { action: 'create_customer', data: { name: 'x' } } });
    assert.equal(r.status, 403);
    assert.equal(r.body.error.code, 'FORBIDDEN');
    assert.equal(await taskCount(), before);
  });

  it('answers 401 to an expired token', async () => {
    const token = await b.login('service2@acme.test');
    await b.db.query(`update session set expires_at = now() - interval '1 second'`);
    const r = await b.post({ token, task: { action: 'get_customer', data: { id: 1 } } });
    assert.equal(r.status, 401);
    assert.match(r.body.error.message, /expired/);
    admin = await b.login('admin@acme.test');
  });

  it('accepts the token as a Bearer header and the seed-style login shape', async () => {
    const login = await b.post({ task: { action: 'login', name: 'compliance1@acme.test', password: 'demo-password-for-tests' } });
    assert.equal(login.status, 200);
    assert.equal(login.body.user.role, 'compliance');
    const r = await b.post({ task: { action: 'get_customer', data: { id: 1 } }, wait: 5000 }, { authorization: `Bearer ${login.body.token}` });
    assert.equal(r.status, 200);
    assert.equal(r.body.task.status, 'succeeded');
  });

  it('revokes a token on logout', async () => {
    const token = await b.login('service3@acme.test');
    assert.equal((await b.post({ token, task: { action: 'logout', data: {} } })).status, 200);
    const r = await b.post({ token, task: { action: 'get_customer', data: { id: 1 } } });
    assert.equal(r.status, 401);
  });

  it('stores only a hash of session tokens and passwords', async () => {
    const token = await b.login('compliance2@acme.test');
    const { rows } = await b.db.query('select token_hash from session');
    assert.ok(rows.every((r: { token_hash: string }) => r.token_hash !== token));
    const users = await b.db.query(`select password_hash from app_user where email = 'compliance2@acme.test'`);
    assert.match(users.rows[0].password_hash, /^\$argon2id\$/);
  });

  it('answers 404 NOT_FOUND for an unknown route', async () => {
    const r = await fetch(`${b.url}/nope`);
    assert.equal(r.status, 404);
    assert.equal((await r.json()).error.code, 'NOT_FOUND');
  });
});

describe('GET /api/v1/tasks/:id and cancel_task', () => {
  let b: TestBureau;
  before(async () => (b = await startTestBureau()));
  after(() => b.close());

  it('shows a task to its owner and to an admin of its tenant, and 404 to anyone else', async () => {
    const c1 = await b.login('compliance1@acme.test');
    const c2 = await b.login('compliance2@acme.test');
    const acmeAdmin = await b.login('admin@acme.test');
    const globexAdmin = await b.login('admin@globex.test');
    const r = await b.act(c1, 'get_customer', { id: 1 });
    const get = (token: string) => fetch(`${b.url}/api/v1/tasks/${r.body.task.id}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal((await get(c1)).status, 200);
    assert.equal((await get(acmeAdmin)).status, 200);
    assert.equal((await get(c2)).status, 404);
    assert.equal((await get(globexAdmin)).status, 404);
    const body = await (await get(c1)).json();
    assert.equal(body.task.status, 'succeeded');
    assert.equal(body.task.result.id, 1);
  });

  it('cancels a queued task, and answers 409 once it has finished', async () => {
    const admin = await b.login('admin@acme.test');
    await b.stopWorkers();
    const queued = await b.post({ token: admin, task: { action: 'create_customer', data: { name: 'Never Made' } } });
    const feed = await b.feed(admin, 0);
    const cancelled = await b.post({ token: admin, task: { action: 'cancel_task', data: { id: queued.body.task.id } } });
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.status, 'cancelled');
    await feed.waitFor((m) => m.type === 'result' && m.task.id === queued.body.task.id && m.task.status === 'cancelled');
    await b.startWorkers();
    const done = await b.act(admin, 'create_customer', { name: 'Made' });
    const late = await b.post({ token: admin, task: { action: 'cancel_task', data: { id: done.body.task.id } } });
    assert.equal(late.status, 409);
    assert.equal(late.body.error.code, 'CONFLICT');
    // The cancelled task's job, delivered after restart, had no effect.
    const { rows } = await b.db.query(`select count(*)::int as n from customer where name = 'Never Made'`);
    assert.equal(rows[0].n, 0);
    await feed.close();
  });
});

describe('GET /api/v1/actions and /ping', () => {
  let b: TestBureau;
  before(async () => (b = await startTestBureau()));
  after(() => b.close());

  it('lists every public action with its roles and JSON Schema', async () => {
    const body = await (await fetch(`${b.url}/api/v1/actions`)).json();
    const transfer = body.actions.find((a: { name: string }) => a.name === 'create_transfer');
    assert.deepEqual(transfer.roles, ['admin']);
    assert.deepEqual(transfer.schema.required.sort(), ['amount', 'cid']);
    assert.ok(!body.actions.some((a: { name: string }) => a.name === 'sla_escalate'));
  });

  it('answers /ping with 200 when ready, and 503 naming the migrations still pending', async () => {
    const ok = await fetch(`${b.url}/ping`);
    assert.equal(ok.status, 200);
    assert.deepEqual((await ok.json()).migrations.pending, []);
    await b.db.query(`delete from mikro_orm_migrations where name = 'Migration20261124000000'`);
    try {
      const pending = await fetch(`${b.url}/ping`);
      assert.equal(pending.status, 503);
      assert.match((await pending.json()).error.message, /Migration20261124000000/);
    } finally {
      await b.db.query(`insert into mikro_orm_migrations (name) values ('Migration20261124000000')`);
    }
  });
});

describe('back-pressure', () => {
  let b: TestBureau;
  before(async () => (b = await startTestBureau({ config: { maxBacklog: 3, backlogRefreshMs: 0 } })));
  after(() => b.close());

  it('answers 429 RATE_LIMITED with Retry-After while a queue\'s backlog is at MAX_BACKLOG, writing nothing', async () => {
    const admin = await b.login('admin@acme.test');
    await b.stopWorkers();
    for (let i = 0; i < 3; i++) assert.equal((await b.post({ token: admin, task: { action: 'create_customer', data: { name: `Backlog ${i}` } } })).status, 202);
    await new Promise((r) => setTimeout(r, 200));
    const count = async () => (await b.db.query('select count(*)::int as n from task')).rows[0].n;
    const before = await count();
    const res = await fetch(`${b.url}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: admin, task: { action: 'create_customer', data: { name: 'One too many' } } }) });
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '1');
    assert.equal((await res.json()).error.code, 'RATE_LIMITED');
    assert.equal(await count(), before);
    // Another queue is not affected.
    const reviewer = await b.login('compliance1@acme.test');
    assert.equal((await b.post({ token: reviewer, task: { action: 'get_customer', data: { id: 1 } } })).status, 202);
    await b.startWorkers();
    for (let i = 0; i < 50; i++) {
      const r = await b.post({ token: admin, task: { action: 'create_customer', data: { name: 'Accepted again' } } });
      if (r.status === 202) return;
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.fail('the queue never drained below the limit');
  });
});
