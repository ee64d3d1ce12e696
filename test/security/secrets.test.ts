import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { tokenHash } from '../../src/domains/accounts/passwords.js';
import { createLogger } from '../../src/infra/logger.js';
import { DEMO_PASSWORD, itRedis, openFeed, startTestBureau, TEST_REDIS, type TestBureau } from '../helpers/bureau.js';
import { linkToken, SmtpSink } from '../helpers/smtp-sink.js';

/**
 * Runs a day in bureau's life (logins good and bad, actions, a websocket, an
 * invitation sent, clicked and accepted, the new user's login and logout,
 * errors) with every log line captured at `trace`, then looks for each secret
 * that went by (passwords, session tokens, the invitation token and link) in
 * the log lines, in every Redis key and value under the run's prefix, and in
 * every row of every table. Only hashes may be stored.
 */
describe('secrets stay out of logs, queues and tables', function () {
  this.timeout(120_000);
  const lines: string[] = [];
  const sink = new SmtpSink();
  let b: TestBureau;
  const secrets = new Map<string, string>();
  const WRONG = 'Wrong-Password-7f3a9c';
  const NEW_PASSWORD = 'New-Hire-Password-c81e2d';

  before(async () => {
    await sink.up();
    const log = createLogger('trace', 'secrets-test', { write: (line: string) => void lines.push(line) });
    b = await startTestBureau({ log, config: { smtpUrl: sink.url, publicUrl: 'http://bureau.test', logLevel: 'trace' } });

    const admin = await b.login('admin@acme.test');
    secrets.set('demo password', DEMO_PASSWORD).set('admin session token', admin);
    const bad = await b.post({ task: { action: 'login', data: { name: 'admin@acme.test', password: WRONG } } });
    assert.equal(bad.status, 401);
    const seedStyle = await b.post({ task: { action: 'login', name: 'compliance1@acme.test', password: DEMO_PASSWORD } });
    secrets.set('wrong password', WRONG).set('compliance session token', seedStyle.body.token);

    const feed = await openFeed(b.url, admin, 0);
    const customer = await b.act(admin, 'create_customer', { name: 'Secretive Ltd' });
    await b.act(admin, 'create_transfer', { cid: customer.body.task.result.id, amount: '10.00' });
    await b.post({ token: admin, task: { action: 'get_customer', data: { id: 999_999 } }, wait: 5000 });
    await fetch(`${b.url}/api/v1/tasks/${customer.body.task.id}?token=${encodeURIComponent(admin)}`);
    await fetch(`${b.url}/api/v1/tasks/${customer.body.task.id}`, { headers: { authorization: `Bearer ${admin}` } });
    await b.post({ token: `${admin}x`, task: { action: 'list_queue', data: { type: 'document' } } });

    const invited = await b.act(admin, 'invite_user', { email: 'new.hire@newhire.test', role: 'service', level: 1, first_name: 'New', last_name: 'Hire' });
    assert.equal(invited.body.task.status, 'succeeded', JSON.stringify(invited.body));
    const [mail] = await sink.waitFor('new.hire@newhire.test', 1);
    const token = linkToken(mail!);
    const link = /https?:\/\/\S*\/i\/[\w-]+/.exec(mail!.text)![0];
    secrets.set('invitation token', token).set('invitation link', link).set('new user password', NEW_PASSWORD);
    await fetch(`${b.url}/i/${token}`);
    const accepted = await b.post({ task: { action: 'accept_invitation', data: { token, first_name: 'New', last_name: 'Hire', password: NEW_PASSWORD } } });
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    secrets.set('accepted session token', accepted.body.token);
    const again = await b.login('new.hire@newhire.test', NEW_PASSWORD);
    secrets.set('new user session token', again);
    await b.post({ token: again, task: { action: 'logout', data: {} } });

    const ws = new WebSocket(`${b.url.replace(/^http/, 'ws')}/ws`);
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ token: `${again}`, after: 0 }));
    await new Promise((resolve) => ws.once('close', resolve));
    await feed.close();
  });
  after(async () => {
    await b?.close();
    await sink.down();
  });

  const leaksIn = (where: string, text: string): string[] => [...secrets].filter(([, s]) => text.includes(s)).map(([what]) => `${what} in ${where}`);

  it('stores passwords as argon2id hashes and tokens only as hashes', async () => {
    const { rows } = await b.db.query<{ email: string; password_hash: string | null; status: string }>(`select email, password_hash, status from app_user where status = 'active'`);
    assert.ok(rows.length >= 14);
    for (const u of rows) assert.match(u.password_hash ?? '', /^\$argon2id\$v=19\$[mtp=\d,]+\$[\w+/]+\$[\w+/]+$/, u.email);
    const sessions = await b.db.query('select 1 from session where token_hash = $1', [tokenHash(secrets.get('admin session token')!)]);
    assert.equal(sessions.rowCount, 1, 'the session is found by the hash of its token');
    const links = await b.db.query('select 1 from invitation_token where token_hash = $1', [tokenHash(secrets.get('invitation token')!)]);
    assert.equal(links.rowCount, 1, 'the invitation link is found by the hash of its token');
  });

  it('keeps every secret out of every table', async () => {
    const { rows: tables } = await b.db.query<{ t: string }>(`select table_name as t from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`);
    const leaks: string[] = [];
    let scanned = 0;
    for (const { t } of tables) {
      const { rows } = await b.db.query<{ r: string }>(`select row_to_json(x)::text as r from "${t}" x`);
      scanned += rows.length;
      for (const { r } of rows) leaks.push(...leaksIn(`table ${t}`, r));
    }
    assert.ok(scanned > 100, `only ${scanned} rows scanned`);
    assert.deepEqual(leaks, []);
  });

  itRedis('keeps every secret out of every Redis key and value of the run (queues, fan-out, rate limits)', async () => {
    const redis = new Redis(TEST_REDIS);
    const leaks: string[] = [];
    let keys = 0;
    try {
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(cursor, 'MATCH', `${b.config.queuePrefix}:*`, 'COUNT', 500);
        cursor = next;
        for (const key of batch) {
          keys++;
          leaks.push(...leaksIn('a Redis key name', key));
          const type = await redis.type(key);
          const value =
            type === 'string' ? await redis.get(key)
            : type === 'hash' ? JSON.stringify(await redis.hgetall(key))
            : type === 'list' ? JSON.stringify(await redis.lrange(key, 0, -1))
            : type === 'set' ? JSON.stringify(await redis.smembers(key))
            : type === 'zset' ? JSON.stringify(await redis.zrange(key, 0, -1, 'WITHSCORES'))
            : type === 'stream' ? JSON.stringify(await redis.xrange(key, '-', '+'))
            : '';
          leaks.push(...leaksIn(`Redis ${type} ${key}`, value ?? ''));
        }
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
    assert.ok(keys > 10, `only ${keys} Redis keys under ${b.config.queuePrefix}`);
    assert.deepEqual(leaks, []);
  });

  it('keeps every secret out of every log line', () => {
    // bureau logs little on a good day (no access log): what it wrote, and the lines below, are scanned.
    assert.ok(lines.length >= 1, 'no log line captured');
    const leaks = lines.flatMap((line, i) => leaksIn(`log line ${i}: ${line.slice(0, 160)}`, line));
    assert.deepEqual(leaks, []);
  });

  it("redacts tokens, passwords and authorization headers wherever bureau's logger is handed them", () => {
    const own: string[] = [];
    const log = createLogger('info', 'redaction', { write: (line: string) => void own.push(line) });
    const token = secrets.get('admin session token')!;
    log.info({ token, password: DEMO_PASSWORD }, 'top level');
    log.warn({ task: { token, password: DEMO_PASSWORD }, headers: { authorization: `Bearer ${token}` } }, 'one level down');
    log.error({ req: { headers: { authorization: `Bearer ${token}` } }, data: { user: { password: NEW_PASSWORD } } }, 'two levels down');
    assert.equal(own.length, 3);
    assert.deepEqual(own.flatMap((line) => leaksIn('a redaction line', line)), []);
    assert.ok(own.every((line) => line.includes('[redacted]')));
  });
});
