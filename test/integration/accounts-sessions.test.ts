import assert from 'node:assert/strict';
import { pickFreePort } from '../../src/infra/free-port.js';
import { DEMO_PASSWORD, openFeed, startTestBureau, TEST_REDIS, type Feed, type TestBureau } from '../helpers/bureau.js';
import { procEnv, spawnProc, waitForPing, type Proc } from '../helpers/procs.js';

/** Resolves with the close code once the socket closes. */

describe('accounts: set_user_status and change_password end sessions at once, on every web process', function () {
  this.timeout(120_000);
  let b: TestBureau;
  let web2: Proc;
  let url2 = '';
  const feeds: Feed[] = [];

  before(async () => {
    b = await startTestBureau();
    const port = await pickFreePort();
    url2 = `http://127.0.0.1:${port}`;
    // A second web process (the Procfile's `web` line) on the same database and Redis prefix: it only shares the feed bus with the first.
    web2 = spawnProc('web', procEnv({ databaseUrl: b.config.databaseUrl, redisUrl: TEST_REDIS, prefix: b.config.queuePrefix, port }));
    await waitForPing(url2, 90_000);
  });
  after(async () => {
    for (const f of feeds) await f.close();
    await web2?.stop();
    await b?.close();
  });

  const post = async (base: string, body: unknown) => {
    const res = await fetch(`${base}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any };
  };
  const login = async (base: string, name: string, password = DEMO_PASSWORD) => post(base, { task: { action: 'login', data: { name, password } } });
  const feed = async (base: string, token: string) => {
    const f = await openFeed(base, token);
    feeds.push(f);
    return f;
  };
  const userId = async (email: string) => (await b.db.query<{ id: number }>('select id from app_user where email = $1', [email])).rows[0]!.id;
  const events = async (id: number) => (await b.db.query(`select event, from_status, to_status from entity_event where entity_type = 'user' and entity_id = $1 order by id`, [id])).rows;
  const listBookings = (base: string, token: string) => post(base, { token, task: { action: 'list_bookings', data: {} } });

  describe('set_user_status', () => {
    it("cuts a disabled user's HTTP and websocket sessions at once on both web processes, and records the transition", async () => {
      const email = 'requester2@acme.test';
      const id = await userId(email);
      const admin = (await login(b.url, 'admin@acme.test')).body.token as string;
      const onA = (await login(b.url, email)).body.token as string;
      const onB = (await login(url2, email)).body.token as string;
      assert.equal((await listBookings(b.url, onA)).status, 202);
      assert.equal((await listBookings(url2, onB)).status, 202);
      const wsA = await feed(b.url, onA);
      const wsB = await feed(url2, onB);
      const [closeA, closeB] = [wsA.closed(), wsB.closed()];

      const r = await post(b.url, { token: admin, task: { action: 'set_user_status', data: { user_id: id, status: 'disabled', reason: 'left' } } });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.status, 'disabled');
      assert.equal(r.body.sessionsEnded, 2);

      // The next request on either process is refused: the quick submit path and the step-by-step one alike.
      for (const [base, token] of [[b.url, onA], [url2, onB], [url2, onA], [b.url, onB]] as const) {
        const res = await listBookings(base, token);
        assert.equal(res.status, 401, JSON.stringify(res.body));
        assert.equal(res.body.error.code, 'UNAUTHENTICATED');
      }
      assert.equal((await fetch(`${url2}/api/v1/tasks/1`, { headers: { authorization: `Bearer ${onB}` } })).status, 401);
      // Both websockets, on both processes, are told and closed.
      assert.deepEqual(await Promise.all([closeA, closeB]), [4401, 4401]);
      for (const f of [wsA, wsB]) assert.ok(f.messages.some((m) => m.type === 'session_ended' && m.reason === 'account_disabled'));
      await assert.rejects(openFeed(url2, onB), /UNAUTHENTICATED/);
      assert.equal((await login(url2, email)).status, 401);
      assert.deepEqual((await events(id)).slice(-1), [{ event: 'disabled', from_status: 'active', to_status: 'disabled' }]);

      // Enabled again: they log in afresh; the old tokens stay dead.
      const back = await post(url2, { token: admin, task: { action: 'set_user_status', data: { user_id: id, status: 'active' } } });
      assert.equal(back.status, 200, JSON.stringify(back.body));
      assert.equal((await listBookings(b.url, onA)).status, 401);
      const fresh = await login(b.url, email);
      assert.equal(fresh.status, 200);
      assert.equal((await listBookings(url2, fresh.body.token)).status, 202);
      assert.deepEqual((await events(id)).slice(-1), [{ event: 'enabled', from_status: 'disabled', to_status: 'active' }]);
    });

    it('refuses what the machine does not allow, another tenant, yourself and non-admins', async () => {
      const admin = (await login(b.url, 'admin@acme.test')).body.token as string;
      const act = (token: string, data: unknown) => post(b.url, { token, task: { action: 'set_user_status', data } });
      const active = await userId('service1@acme.test');
      const again = await act(admin, { user_id: active, status: 'active' });
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, 'INVALID_TRANSITION');
      const { rows } = await b.db.query<{ id: number }>(`insert into app_user (tenant_id, email, role, level, status) select tenant_id, 'invited.one@acme.test', 'service', 1, 'invited' from app_user where email = 'admin@acme.test' returning id`);
      assert.equal((await act(admin, { user_id: rows[0]!.id, status: 'disabled' })).body.error.code, 'INVALID_TRANSITION');
      assert.equal((await act(admin, { user_id: await userId('service1@globex.test'), status: 'disabled' })).body.error.code, 'NOT_FOUND');
      const self = await act(admin, { user_id: await userId('admin@acme.test'), status: 'disabled' });
      assert.equal(self.body.error.code, 'CONFLICT');
      const requester = (await login(b.url, 'requester1@acme.test')).body.token as string;
      assert.equal((await act(requester, { user_id: active, status: 'disabled' })).status, 403);
      assert.equal((await act(admin, { user_id: active, status: 'gone' })).status, 400);
    });
  });

  describe('change_password', () => {
    const email = 'service2@acme.test';
    const NEW = 'a brand new passphrase';

    it('refuses a wrong current password with INVALID_CREDENTIALS, changing nothing', async () => {
      const token = (await login(b.url, email)).body.token as string;
      const r = await post(b.url, { token, task: { action: 'change_password', data: { old_password: 'not it at all', new_password: NEW } } });
      assert.equal(r.status, 401);
      assert.equal(r.body.error.code, 'INVALID_CREDENTIALS');
      assert.equal((await listBookings(b.url, token)).status, 403); // still signed in (a service agent may not list bookings)
      assert.equal((await login(b.url, email)).status, 200);
    });

    it('refuses a new password that is short or the same as the old one at the door', async () => {
      const token = (await login(b.url, email)).body.token as string;
      for (const new_password of ['short', DEMO_PASSWORD]) {
        const r = await post(b.url, { token, task: { action: 'change_password', data: { old_password: DEMO_PASSWORD, new_password } } });
        assert.equal(r.status, 400);
        assert.equal(r.body.error.details.issues[0].path, 'new_password');
      }
    });

    it("ends every other session of the user, on both web processes, and keeps the caller's", async () => {
      const keep = (await login(b.url, email)).body.token as string;
      const otherA = (await login(b.url, email)).body.token as string;
      const otherB = (await login(url2, email)).body.token as string;
      const keptWs = await feed(url2, keep);
      const otherWs = await feed(url2, otherB);
      const otherWsA = await feed(b.url, otherA);
      const closing = Promise.all([otherWs.closed(), otherWsA.closed()]);
      const live = async () => (await b.db.query<{ n: number }>(`select count(*)::int as n from session s join app_user u on u.id = s.user_id where u.email = $1 and s.revoked_at is null`, [email])).rows[0]!.n;
      const before = await live();

      const r = await post(b.url, { token: keep, task: { action: 'change_password', data: { old_password: DEMO_PASSWORD, new_password: NEW } } });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.sessionsEnded, before - 1);
      assert.equal(await live(), 1);
      assert.ok(!JSON.stringify(r.body).includes(NEW));

      assert.deepEqual(await closing, [4401, 4401]);
      for (const token of [otherA, otherB]) for (const base of [b.url, url2]) assert.equal((await fetch(`${base}/api/v1/tasks/1`, { headers: { authorization: `Bearer ${token}` } })).status, 401);
      // The caller's own websocket stays open and still gets its results.
      const still = await post(url2, { token: keep, task: { action: 'list_queue', data: { type: 'inquiry' } } });
      assert.equal(still.status, 202, JSON.stringify(still.body));
      await keptWs.waitFor((m) => m.type === 'result' && m.task?.id === still.body.task.id);
      assert.equal((await fetch(`${url2}/api/v1/tasks/1`, { headers: { authorization: `Bearer ${keep}` } })).status, 404);
      assert.equal((await login(url2, email)).status, 401);
      assert.equal((await login(url2, email, NEW)).status, 200);
      const { rows } = await b.db.query<{ password_hash: string }>('select password_hash from app_user where email = $1', [email]);
      assert.match(rows[0]!.password_hash, /^\$argon2id\$/);
    });
  });
});
