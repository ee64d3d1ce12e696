import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import pg from 'pg';
import WebSocket from 'ws';
import { AppError } from '../../src/core/errors.js';
import { LoginThrottle } from '../../src/http/rate-limit.js';
import { STRICT_CSP } from '../../src/http/security.js';
import type { RateLimitStore } from '../../src/infra/rate-limit-store.js';
import { DEMO_PASSWORD, dropRedisPrefix, itRedis, startTestBureau, TEST_REDIS, type TestBureau } from '../helpers/bureau.js';

describe('security basics of the web process', function () {
  this.timeout(60_000);
  let b: TestBureau;
  before(async () => {
    b = await startTestBureau({ config: { loginLimitIpName: 3, loginLimitName: 6, loginLimitWindowMs: 60_000 } });
  });
  after(() => b.close());

  const login = (name: string, password: string) => b.post({ task: { action: 'login', data: { name, password } } });
  const sessions = async () => (await b.db.query<{ n: number }>('select count(*)::int as n from session')).rows[0]!.n;

  describe('headers', () => {
    const paths: [string, RequestInit?][] = [
      ['/api/v1/actions'],
      ['/ping'],
      ['/', { headers: { accept: 'application/json' } }],
      ['/no/such/page'],
      ['/api/v1/tasks/1'],
      ['/api/v1', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }],
    ];
    for (const [path, init] of paths) {
      it(`sends the strict CSP, nosniff, no-referrer and frame denial on ${init?.method ?? 'GET'} ${path}`, async () => {
        const res = await fetch(`${b.url}${path}`, init);
        assert.equal(res.headers.get('content-security-policy'), STRICT_CSP);
        assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
        assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
        assert.equal(res.headers.get('x-frame-options'), 'DENY');
      });
    }

    it("keeps the policy strict: no inline script, no foreign origin, no framing, no <base>", () => {
      assert.doesNotMatch(STRICT_CSP, /unsafe-inline|unsafe-eval|\*/);
      for (const d of ["default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"]) assert.ok(STRICT_CSP.includes(d), d);
    });

    it('tells shared caches to keep no API answer', async () => {
      const res = await fetch(`${b.url}/api/v1/tasks/1`);
      assert.equal(res.headers.get('cache-control'), 'no-store');
    });

    it('relaxes the policy for Bull Board at /admin/queues only', async () => {
      const board = await fetch(`${b.url}/admin/queues`, { redirect: 'manual' });
      assert.notEqual(board.headers.get('content-security-policy'), STRICT_CSP);
      assert.match(board.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
      const beside = await fetch(`${b.url}/admin/queuesx`, { redirect: 'manual' });
      assert.equal(beside.headers.get('content-security-policy'), STRICT_CSP);
    });

    it("sets the console's board cookie HttpOnly, SameSite=Strict, on the board's path only", async () => {
      const token = await b.login('admin@acme.test');
      const res = await fetch(`${b.url}/console/session`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200);
      const cookie = res.headers.get('set-cookie') ?? '';
      assert.match(cookie, /httponly/i);
      assert.match(cookie, /samesite=strict/i);
      assert.match(cookie, /path=\/admin\/queues/i);
    });
  });

  it('refuses a JSON body over BODY_LIMIT with 413 PAYLOAD_TOO_LARGE', async () => {
    const r = await b.post({ task: { action: 'login', data: { name: 'x'.repeat(300_000), password: 'x' } } });
    assert.equal(r.status, 413);
    assert.equal(r.body.error.code, 'PAYLOAD_TOO_LARGE');
  });

  describe('login throttling', () => {
    it('answers 429 RATE_LIMITED with Retry-After once one IP has failed too often for one login, even with the right password, and opens no session', async () => {
      for (let i = 0; i < 3; i++) assert.equal((await login('compliance1@acme.test', `wrong-${i}`)).status, 401);
      const before = await sessions();
      const res = await fetch(`${b.url}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ task: { action: 'login', data: { name: 'COMPLIANCE1@acme.test', password: DEMO_PASSWORD } } }) });
      const body = (await res.json()) as { error: { code: string; details: { retryAfter: number } } };
      assert.equal(res.status, 429);
      assert.equal(body.error.code, 'RATE_LIMITED');
      const retryAfter = Number(res.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
      assert.equal(await sessions(), before);
      // Another login from the same IP is not affected.
      assert.equal((await login('compliance2@acme.test', DEMO_PASSWORD)).status, 200);
    });

    it('throttles logins that do not exist the same way (no hint that an account exists)', async () => {
      for (let i = 0; i < 3; i++) assert.equal((await login('nobody@acme.test', `wrong-${i}`)).body.error.code, 'INVALID_CREDENTIALS');
      assert.equal((await login('nobody@acme.test', 'wrong-3')).body.error.code, 'RATE_LIMITED');
    });

    it('clears the count of an IP and login at a successful login', async () => {
      for (const round of [1, 2]) {
        for (let i = 0; i < 2; i++) assert.equal((await login('service1@acme.test', `wrong-${round}-${i}`)).status, 401);
        assert.equal((await login('service1@acme.test', DEMO_PASSWORD)).status, 200, `round ${round}`);
      }
    });
  });

  describe('login counts are shared by every web process', () => {
    const rules = { perIpName: { points: 2, windowMs: 60_000 }, perName: { points: 3, windowMs: 60_000 } };
    const spent = async (t: LoginThrottle, ip: string, name: string) => t.check(ip, name).then(() => false, (err: unknown) => (err instanceof AppError && err.code === 'RATE_LIMITED' ? true : Promise.reject(err)));

    async function sharedAcross(stores: [RateLimitStore, RateLimitStore]) {
      const [one, two] = stores.map((s) => new LoginThrottle(s, rules)) as [LoginThrottle, LoginThrottle];
      const name = `shared-${Math.random()}@acme.test`;
      await one.failed('10.0.0.1', name);
      await two.failed('10.0.0.1', name);
      assert.equal(await spent(one, '10.0.0.1', name), true, 'the second process counted the first one\'s failure');
      assert.equal(await spent(two, '10.0.0.2', name), false, 'another IP may still try');
      await two.failed('10.0.0.2', name);
      assert.equal(await spent(one, '10.0.0.3', name), true, 'the per-login count spans IPs and processes');
      assert.equal(await spent(one, '10.0.0.3', `other-${name}`), false);
    }

    itRedis('on Redis', async () => {
      const clients = [new Redis(TEST_REDIS, { enableOfflineQueue: false }), new Redis(TEST_REDIS, { enableOfflineQueue: false })];
      await Promise.all(clients.map((c) => new Promise((resolve) => c.once('ready', resolve))));
      const prefix = `${b.config.queuePrefix}:rltest`;
      try {
        await sharedAcross([{ kind: 'redis', client: clients[0]!, prefix }, { kind: 'redis', client: clients[1]!, prefix }]);
      } finally {
        clients.forEach((c) => c.disconnect());
        await dropRedisPrefix(prefix);
      }
    });

    it('on PostgreSQL (the rate_limit table), without Redis', async () => {
      const pools = [new pg.Pool({ connectionString: b.config.databaseUrl, max: 1 }), new pg.Pool({ connectionString: b.config.databaseUrl, max: 1 })];
      try {
        await sharedAcross([{ kind: 'postgres', pool: pools[0]!, prefix: 'rltest' }, { kind: 'postgres', pool: pools[1]!, prefix: 'rltest' }]);
        const { rows } = await b.db.query<{ n: number }>(`select count(*)::int as n from rate_limit where key like 'rltest:%'`);
        assert.ok(rows[0]!.n >= 2);
      } finally {
        await Promise.all(pools.map((p) => p.end()));
      }
    });

    it('keeps limiting in memory while the shared store is down', async () => {
      const dead = new Redis('redis://127.0.0.1:1', { enableOfflineQueue: false, lazyConnect: true, retryStrategy: () => null });
      dead.on('error', () => undefined);
      try {
        const t = new LoginThrottle({ kind: 'redis', client: dead, prefix: 'rldead' }, rules);
        await t.failed('10.0.0.9', 'down@acme.test');
        await t.failed('10.0.0.9', 'down@acme.test');
        assert.equal(await spent(t, '10.0.0.9', 'down@acme.test'), true);
      } finally {
        dead.disconnect();
      }
    });
  });

  describe('websocket', () => {
    const first = (origin: string | undefined, message: string | null) =>
      new Promise<{ status?: number; close?: number; messages: any[] }>((resolve) => {
        const ws = new WebSocket(`${b.url.replace(/^http/, 'ws')}/ws`, origin ? { origin } : {});
        const messages: any[] = [];
        ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode, messages }));
        ws.on('error', () => undefined);
        ws.on('open', () => message !== null && ws.send(message));
        ws.on('message', (raw) => {
          messages.push(JSON.parse(raw.toString()));
          if (messages[0].type === 'hello') ws.close();
        });
        ws.on('close', (close) => resolve({ close, messages }));
      });

    it("refuses a browser page of another origin at the upgrade (403)", async () => {
      assert.equal((await first('http://evil.example', null)).status, 403);
    });

    it('answers a page of its own origin that sends a valid token', async () => {
      const token = await b.login('admin@acme.test');
      const r = await first(b.url, JSON.stringify({ token, after: 0 }));
      assert.equal(r.messages[0]?.type, 'hello');
    });

    it('closes 4401 UNAUTHENTICATED for an unknown or revoked token, 4400 without one', async () => {
      const token = await b.login('service2@acme.test');
      await b.post({ token, task: { action: 'logout', data: {} } });
      for (const msg of [{ token: 'x'.repeat(43), after: 0 }, { token, after: 0 }]) {
        const r = await first(undefined, JSON.stringify(msg));
        assert.equal(r.close, 4401);
        assert.equal(r.messages[0]?.error?.code, 'UNAUTHENTICATED');
      }
      assert.equal((await first(undefined, JSON.stringify({ after: 0 }))).close, 4400);
    });
  });
});

describe('login throttling without Redis', function () {
  this.timeout(60_000);
  let b: TestBureau;
  before(async () => {
    b = await startTestBureau({ noRedis: true, workers: [], config: { loginLimitIpName: 2, loginLimitName: 10, loginLimitWindowMs: 60_000 } });
  });
  after(() => b.close());

  it('counts failed logins in the rate_limit table, where every web process sees them', async () => {
    const login = (password: string) => b.post({ task: { action: 'login', data: { name: 'service3@acme.test', password } } });
    assert.equal((await login('wrong-1')).status, 401);
    assert.equal((await login('wrong-2')).status, 401);
    const r = await login(DEMO_PASSWORD);
    assert.equal(r.status, 429);
    assert.equal(r.body.error.code, 'RATE_LIMITED');
    const { rows } = await b.db.query<{ points: number }>(`select points from rate_limit where key like $1`, [`${b.config.queuePrefix}:rl:login-ip-name:%`]);
    assert.deepEqual(rows.map((x) => x.points), [2]);
  });
});
