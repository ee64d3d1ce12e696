import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { tokenHash } from '../../src/domains/accounts/passwords.js';
import { HAS_REDIS, TEST_REDIS } from '../helpers/bureau.js';
import { linkToken, SmtpSink, type SunkMail } from '../helpers/smtp-sink.js';
import { openBackoffice, type Backoffice } from './backoffice-setup.js';

const DAY = 24 * 3_600_000;
const PASSWORD = 'a long enough password';

describe('invitations (seed 002): invite, track, expire, reinvite, register', function () {
  this.timeout(60_000);
  const sink = new SmtpSink();
  let bo: Backoffice;
  let n = 0;
  const email = (tag: string) => `${tag}.${++n}@newhire.test`;

  before(async () => {
    await sink.up();
    bo = await openBackoffice({ config: { smtpUrl: sink.url, publicUrl: 'http://bureau.test', mailAttempts: 30 } });
  });
  after(async () => {
    await bo?.close();
    await sink.down();
  });
  afterEach(() => {
    bo.b.rt.clock.now = () => new Date();
  });

  const invite = (address: string, extra: Record<string, unknown> = {}) =>
    bo.ok('admin', 'invite_user', { email: address, role: 'compliance', level: 1, first_name: 'Grace', last_name: 'Hopper', ...extra });
  const invitation = (id: number) => bo.ok('admin', 'get_invitation', { id });
  const page = (token: string, suffix = '', init?: RequestInit) => fetch(`${bo.b.url}/i/${token}${suffix}`, init);
  const accept = (token: string, password = PASSWORD) => bo.b.post({ task: { action: 'accept_invitation', data: { token, first_name: 'Grace', last_name: 'Brewster Hopper', password } } });
  const counts = async () => {
    const { rows } = await bo.b.db.query<{ users: number; invitations: number; tokens: number; sessions: number }>(
      `select (select count(*)::int from app_user) as users, (select count(*)::int from invitation) as invitations,
              (select count(*)::int from invitation_token) as tokens, (select count(*)::int from session) as sessions`,
    );
    return rows[0]!;
  };
  async function invitedMail(address: string, count = 1): Promise<SunkMail> {
    return (await sink.waitFor(address, count))[count - 1]!;
  }
  async function untilStatus(id: number, status: string): Promise<any> {
    for (;;) {
      const { rows } = await bo.b.db.query('select status from invitation where id = $1', [id]);
      if (rows[0]?.status === status) return invitation(id);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('runs the whole life cycle: created, sent, opened, clicked, registered, and the new user can log in', async () => {
    const address = email('grace');
    const created = await invite(address);
    assert.equal(created.status, 'not invited');
    assert.equal(created.email, address);

    const mail = await invitedMail(address);
    assert.match(mail.subject, /invites you to Acme/i);
    assert.match(mail.text, /as a compliance officer/);
    assert.match(mail.text, /http:\/\/bureau\.test\/i\//);
    assert.match(mail.html, /Accept the invitation/);
    assert.match(mail.html, /\/open\.gif/);
    const token = linkToken(mail);
    assert.ok(Buffer.from(token, 'base64url').length >= 32, 'the token carries at least 32 random bytes');

    const sent = await untilStatus(created.id, 'invited');
    assert.equal(sent.sentCount, 1);
    assert.equal(sent.messageId, mail.messageId);

    const pixel = await page(token, '/open.gif');
    assert.equal(pixel.status, 200);
    assert.equal(pixel.headers.get('content-type'), 'image/gif');
    await page(token, '/open.gif');

    // A mail scanner following the link: recorded as a click, registers nothing.
    const form = await page(token);
    assert.equal(form.status, 200);
    assert.match(await form.text(), /Choose your password/);
    const clicked = await invitation(created.id);
    assert.equal(clicked.status, 'clicked');
    assert.equal(clicked.openCount, 2);
    assert.ok(clicked.firstOpenedAt && clicked.lastOpenedAt);
    const { rows: still } = await bo.b.db.query('select status, password_hash from app_user where id = $1', [created.userId]);
    assert.deepEqual(still[0], { status: 'invited', password_hash: null });
    const before = await bo.b.post({ task: { action: 'login', data: { name: address, password: PASSWORD } } });
    assert.equal(before.status, 401);

    const done = await accept(token);
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.user.email, address);
    assert.equal(done.body.user.lastName, 'Brewster Hopper');
    const me = await bo.b.act(done.body.token, 'list_queue', { type: 'document' });
    assert.equal(me.body.task.status, 'succeeded', 'the session accept_invitation returned works');
    assert.equal((await bo.b.post({ task: { action: 'login', data: { name: address, password: PASSWORD } } })).status, 200);

    const final = await invitation(created.id);
    assert.equal(final.status, 'registered');
    assert.deepEqual(
      final.history.map((h: any) => [h.event, h.from, h.to]),
      [
        ['created', null, 'not invited'],
        ['sent', 'not invited', 'invited'],
        ['opened', 'invited', 'invited'],
        ['clicked', 'invited', 'clicked'],
        ['registered', 'clicked', 'registered'],
      ],
    );
    assert.equal(final.history[0].actor, 'admin@acme.test');
    assert.equal(final.history[1].actor, 'system');
    assert.equal(final.history[4].actor, address);

    const people = await bo.ok('admin', 'list_people', { status: 'registered' });
    const person = people.people.find((p: any) => p.email === address);
    assert.equal(person.account, 'active');
    assert.equal(person.invitation.status, 'registered');
  });

  it('takes a second submit with 409 and creates nothing, through the action and the form', async () => {
    const address = email('twice');
    const created = await invite(address);
    const token = linkToken(await invitedMail(address));
    assert.equal((await accept(token)).status, 200);
    const c0 = await counts();
    const again = await accept(token, 'another password entirely');
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'CONFLICT');
    const form = await page(token, '', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ first_name: 'X', last_name: 'Y', password: 'yet another password' }) });
    assert.equal(form.status, 409);
    assert.match(await form.text(), /already been accepted/);
    assert.deepEqual(await counts(), c0);
    assert.equal((await bo.b.post({ task: { action: 'login', data: { name: address, password: 'another password entirely' } } })).status, 401);
    assert.equal((await invitation(created.id)).history.filter((h: any) => h.event === 'registered').length, 1);
  });

  it('registers through the HTML form (no JavaScript) and rejects a short password on the page', async () => {
    const address = email('form');
    const created = await invite(address);
    const token = linkToken(await invitedMail(address));
    const post = (body: Record<string, string>) => page(token, '', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body) });
    const short = await post({ first_name: 'Ada', last_name: 'King', password: 'short' });
    const shortPage = await short.text();
    assert.equal(short.status, 400, shortPage);
    assert.match(shortPage, /at least 10 characters/);
    const long = await post({ first_name: 'Ada', last_name: 'King', password: 'x'.repeat(1025) });
    assert.equal(long.status, 400, 'an over-long password is refused, never cut short');
    assert.match(await long.text(), /at most 1024 characters/);
    assert.equal((await invitation(created.id)).clickCount, 0, 'showing the form again after a bad submit is not a click');
    const ok = await post({ first_name: 'Ada', last_name: 'King', password: PASSWORD, password_again: PASSWORD });
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /Your account is active/);
    assert.equal((await invitation(created.id)).status, 'registered');
  });

  it('expires at use and by its timer, with an injected clock', async () => {
    const a = email('late');
    const first = await invite(a);
    const token = linkToken(await invitedMail(a));
    await untilStatus(first.id, 'invited');
    bo.b.rt.clock.now = () => new Date(Date.now() + 31 * DAY);
    const gone = await page(token);
    assert.equal(gone.status, 410);
    assert.match(await gone.text(), /has expired/);
    const refused = await accept(token);
    assert.equal(refused.status, 410);
    assert.equal(refused.body.error.code, 'GONE');
    const expired = await invitation(first.id);
    assert.equal(expired.status, 'expired');
    assert.equal(expired.history.at(-1).event, 'expired');

    // The timer: the delayed expire_invitation job, brought forward instead of waited for.
    bo.b.rt.clock.now = () => new Date();
    const b = email('timer');
    const second = await invite(b);
    await invitedMail(b);
    await untilStatus(second.id, 'invited');
    const { rows } = await bo.b.db.query(`select id from task where action = 'expire_invitation' and (input->>'id')::int = $1`, [second.id]);
    assert.equal(rows.length, 1);
    const system = bo.b.rt.queues.queue('system');
    let job = await system.getJob(`t-${rows[0].id}`);
    while (!job) {
      await new Promise((r) => setTimeout(r, 50));
      job = await system.getJob(`t-${rows[0].id}`);
    }
    assert.ok(await job.isDelayed(), 'the expiry timer waits as a delayed job');
    bo.b.rt.clock.now = () => new Date(Date.now() + 30 * DAY + 60_000);
    await job.promote();
    const timed = await untilStatus(second.id, 'expired');
    assert.deepEqual([timed.history.at(-1).event, timed.history.at(-1).actor], ['expired', 'system']);
  });

  it('reinvite sends a fresh email and extends the expiry; both links work and resolve to the same invitation', async () => {
    const address = email('again');
    const created = await invite(address);
    const first = linkToken(await invitedMail(address));
    await untilStatus(created.id, 'invited');
    bo.b.rt.clock.now = () => new Date(Date.now() + 10 * DAY);
    const again = await bo.ok('admin', 'reinvite', { id: created.id });
    assert.ok(new Date(again.expiresAt).getTime() > new Date(created.expiresAt).getTime() + 9 * DAY);
    const second = linkToken(await invitedMail(address, 2));
    assert.notEqual(first, second);
    const inv = await untilStatus(created.id, 'invited');
    assert.equal(inv.sentCount, 2);
    assert.deepEqual(inv.links, { sent: 2, unexpired: 2 });
    for (const t of [first, second]) {
      const r = await page(t);
      assert.equal(r.status, 200, 'both links open the same accept page');
      assert.match(await r.text(), new RegExp(address.replace(/\./g, '\\.')));
    }
    // Past the first link's own expiry but within the extension: the old link is dead, the new one works.
    bo.b.rt.clock.now = () => new Date(Date.now() + 35 * DAY);
    assert.equal((await page(first)).status, 410);
    assert.equal((await accept(second)).status, 200);
    const events = (await invitation(created.id)).history.map((h: any) => h.event);
    assert.deepEqual(events.filter((e: string) => e !== 'clicked'), ['created', 'sent', 'reinvited', 'sent', 'registered']);
  });

  it('waits out an SMTP outage: not invited until the server accepts, then one email', async () => {
    await sink.down();
    const address = email('outage');
    try {
      const created = await invite(address);
      for (;;) {
        const { rows } = await bo.b.db.query(`select attempts from task where action = 'send_invitation' and (input->>'id')::int = $1`, [created.id]);
        if ((rows[0]?.attempts ?? 0) >= 3) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal((await invitation(created.id)).status, 'not invited');
      await sink.up();
      const sent = await untilStatus(created.id, 'invited');
      assert.equal(sent.sentCount, 1);
      assert.equal(sink.to(address).length, 1);
    } finally {
      await sink.up().catch(() => undefined);
    }
  });

  it('revokes, deletes and re-invites; illegal moves get 409', async () => {
    const address = email('revoked');
    const created = await invite(address);
    const token = linkToken(await invitedMail(address));
    await bo.ok('admin', 'revoke_invitation', { id: created.id, reason: 'position filled' });
    const r = await page(token);
    assert.equal(r.status, 410);
    assert.match(await r.text(), /withdrawn/);
    assert.equal((await accept(token)).body.error.code, 'GONE');
    assert.equal((await bo.fails('admin', 'reinvite', { id: created.id })).code, 'INVALID_TRANSITION');
    assert.equal((await bo.fails('admin', 'revoke_invitation', { id: created.id })).code, 'INVALID_TRANSITION');
    const deleted = await bo.ok('admin', 'delete_invitation', { id: created.id });
    assert.deepEqual(deleted, { id: created.id, deleted: true, userDeleted: true });
    assert.equal((await page(token)).status, 404);
    const fresh = await invite(address);
    assert.notEqual(fresh.id, created.id);

    const taken = email('member');
    const inv = await invite(taken);
    assert.equal((await accept(linkToken(await invitedMail(taken)))).status, 200);
    assert.equal((await bo.fails('admin', 'delete_invitation', { id: inv.id })).code, 'INVALID_TRANSITION');
    assert.equal((await bo.fails('admin', 'revoke_invitation', { id: inv.id })).code, 'INVALID_TRANSITION');
  });

  it('refuses bad invitations clearly and leaves nothing half-made', async () => {
    const c0 = await counts();
    const bad = async (data: Record<string, unknown>) => (await bo.refused('admin', 'invite_user', { email: email('x'), role: 'service', first_name: 'A', last_name: 'B', ...data })).error;
    const malformed = await bad({ email: 'not-an-email' });
    assert.equal(malformed.code, 'VALIDATION_FAILED');
    assert.match(malformed.message, /email/);
    assert.match((await bad({ role: 'superuser' })).message, /role/);
    assert.match((await bad({ level: 4 })).message, /level/);
    assert.equal((await bo.refused('compliance3', 'invite_user', { email: email('x'), role: 'service', first_name: 'A', last_name: 'B' })).status, 403);

    assert.equal((await bo.fails('admin', 'invite_user', { email: 'compliance1@acme.test', role: 'service', first_name: 'A', last_name: 'B' })).code, 'CONFLICT');
    assert.equal((await bo.fails('admin', 'invite_user', { email: 'COMPLIANCE1@Acme.test', role: 'service', first_name: 'A', last_name: 'B' })).code, 'CONFLICT');
    await bo.b.db.query(`update app_user set level = 2 where email = 'admin@acme.test'`);
    try {
      const above = await bo.fails('admin', 'invite_user', { email: email('x'), role: 'compliance', level: 3, first_name: 'A', last_name: 'B' });
      assert.equal(above.code, 'FORBIDDEN');
      assert.match(above.message, /level 3/);
    } finally {
      await bo.b.db.query(`update app_user set level = 3 where email = 'admin@acme.test'`);
    }
    assert.deepEqual(await counts(), c0, 'no user, invitation or link was made by a refused invite');

    const live = email('live');
    const first = await invite(live);
    const dup = await bo.fails('admin', 'invite_user', { email: live, role: 'service', first_name: 'A', last_name: 'B' });
    assert.equal(dup.code, 'CONFLICT');
    assert.match(dup.message, /live invitation/);
    assert.equal(dup.details.invitationId, first.id);
  });

  it("keeps tenants apart: another tenant's invitation id is 404, and no tenant sees another's people", async () => {
    const address = email('acme-only');
    const created = await invite(address);
    const globex = await bo.b.login('admin@globex.test');
    for (const action of ['get_invitation', 'reinvite', 'revoke_invitation', 'delete_invitation']) {
      const r = await bo.b.act(globex, action, { id: created.id });
      assert.equal(r.body.task.status, 'failed', action);
      assert.equal(r.body.task.error.code, 'NOT_FOUND', action);
    }
    const theirs = await bo.b.act(globex, 'list_people', {});
    assert.ok(!theirs.body.task.result.people.some((p: any) => p.email === address));
    const lists = await bo.b.act(globex, 'list_invitations', {});
    assert.ok(!lists.body.task.result.items.some((i: any) => i.id === created.id));
    assert.equal((await invitation(created.id)).status === 'not invited' || (await invitation(created.id)).status === 'invited', true);
  });

  it('stores only hashes: no invitation token in the database, a queue payload or a task record', async () => {
    const address = email('secret');
    const created = await invite(address);
    const token = linkToken(await invitedMail(address));
    await untilStatus(created.id, 'invited');
    const { rows } = await bo.b.db.query(`select token_hash from invitation_token where invitation_id = $1`, [created.id]);
    assert.deepEqual(rows.map((r) => r.token_hash), [tokenHash(token)]);
    const { rows: leaks } = await bo.b.db.query(
      `select (select count(*)::int from task where input::text like $1 or coalesce(result::text, '') like $1) as tasks,
              (select count(*)::int from feed_entry where body::text like $1) as feed,
              (select count(*)::int from entity_event where coalesce(data::text, '') like $1) as events`,
      [`%${token}%`],
    );
    assert.deepEqual(leaks[0], { tasks: 0, feed: 0, events: 0 });
    if (!HAS_REDIS) return; // queues on PostgreSQL: their jobs are rows of the tables checked above
    const redis = new Redis(TEST_REDIS);
    try {
      const keys = await redis.keys(`${bo.b.config.queuePrefix}:*`);
      assert.ok(keys.length > 0);
      for (const key of keys) {
        const type = await redis.type(key);
        const dump = type === 'hash' ? JSON.stringify(await redis.hgetall(key)) : type === 'string' ? ((await redis.get(key)) ?? '') : type === 'list' ? JSON.stringify(await redis.lrange(key, 0, -1)) : type === 'zset' ? JSON.stringify(await redis.zrange(key, 0, -1)) : '';
        assert.ok(!dump.includes(token), `${key} holds the token`);
      }
    } finally {
      redis.disconnect();
    }
  });
});

describe('invitations: the per-tenant flood limit', function () {
  this.timeout(60_000);
  let bo: Backoffice;
  before(async () => {
    bo = await openBackoffice({ config: { inviteRateLimit: 3, smtpUrl: 'smtp://127.0.0.1:9' } });
  });
  after(() => bo?.close());

  it('answers 429 with Retry-After past the limit and writes nothing', async () => {
    const data = (i: number) => ({ email: `flood${i}@newhire.test`, role: 'service', first_name: 'F', last_name: 'L' });
    for (let i = 0; i < 3; i++) assert.equal((await bo.b.post({ token: bo.token.admin, task: { action: 'invite_user', data: data(i) } })).status, 202);
    const invites = async () => (await bo.b.db.query(`select count(*)::int as n from task where action = 'invite_user'`)).rows[0].n;
    const tasks = await invites();
    const r = await fetch(`${bo.b.url}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bo.token.admin}` }, body: JSON.stringify({ task: { action: 'invite_user', data: data(9) } }) });
    assert.equal(r.status, 429);
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
    const body = (await r.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'RATE_LIMITED');
    assert.match(body.error.message, /invite_user/);
    assert.equal(await invites(), tasks);
    // Another tenant has its own allowance.
    const globex = await bo.b.login('admin@globex.test');
    assert.equal((await bo.b.post({ token: globex, task: { action: 'invite_user', data: data(10) } })).status, 202);
  });
});
