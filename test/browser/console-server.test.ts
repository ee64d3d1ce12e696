import assert from 'node:assert/strict';
import { BOARD_CSP, BOARD_PATH } from '../../src/http/console.js';
import { domains } from '../../src/domains.js';
import { startTestBureau, type TestBureau } from '../helpers/bureau.js';

/** What the web process serves for the console, over plain HTTP: pages, bundle, the board cookie and who gets Bull Board. */
describe('console serving and the Bull Board cookie', () => {
  let b: TestBureau;
  before(async () => {
    b = await startTestBureau({ workers: [] });
  });
  after(() => b?.close());

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${b.url}${path}`, { headers, redirect: 'manual' });
  const cookieOf = (res: Response) => res.headers.get('set-cookie') ?? '';

  it('sends browsers from / to the console and keeps the JSON index for scripts', async () => {
    const browser = await get('/', { accept: 'text/html,application/xhtml+xml' });
    const script = await get('/', { accept: 'application/json' });

    assert.equal(browser.status, 302);
    assert.equal(browser.headers.get('location'), '/console/');
    assert.equal((await script.json()).api, '/api/v1');
  });

  it('serves the page with no inline script or style, and the bundle esbuild made from src/console', async () => {
    const page = await get('/console/');
    const html = await page.text();
    const js = await get('/console/app.js');
    const css = await get('/console/app.css');

    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type')!, /text\/html/);
    assert.doesNotMatch(html, /<script>|<script(?![^>]*\bsrc=)[^>]*>|\sstyle=|\son[a-z]+=/i);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type')!, /javascript/);
    assert.match(await js.text(), /bureau\.session/);
    assert.match(await css.text(), /\.feed-panel/);
    assert.equal((await get('/console/app.js', { 'if-none-match': js.headers.get('etag')! })).status, 304);
    assert.equal((await get('/console/nope.js')).status, 404);
  });

  it('sets the board cookie only for a valid token: HttpOnly, SameSite=Strict, scoped to /admin/queues', async () => {
    const none = await fetch(`${b.url}/console/session`, { method: 'POST' });
    const bad = await fetch(`${b.url}/console/session`, { method: 'POST', headers: { authorization: 'Bearer not-a-token' } });
    const ok = await fetch(`${b.url}/console/session`, { method: 'POST', headers: { authorization: `Bearer ${await b.login('admin@acme.test')}` } });

    assert.equal(none.status, 401);
    assert.equal(bad.status, 401);
    assert.equal(cookieOf(bad), '');
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { board: BOARD_PATH });
    assert.match(cookieOf(ok), /^bureau_board=[\w-]+; path=\/admin\/queues; samesite=strict; httponly$/);
    const service = await fetch(`${b.url}/console/session`, { method: 'POST', headers: { authorization: `Bearer ${await b.login('service1@acme.test')}` } });
    assert.deepEqual(await service.json(), { board: null });
    assert.match(cookieOf(service), /^bureau_board=; path=\/admin\/queues; expires=Thu, 01 Jan 1970/, 'other roles get no board cookie');
  });

  it('shows Bull Board to an admin\'s cookie only: 401 without one or with a revoked one, 403 to other roles', async () => {
    const admin = await b.login('admin@acme.test');
    const service = await b.login('service3@acme.test');
    // A cookie carrying a non-admin's token (the server never sets one, but a browser can be made to send anything).
    const board = (token?: string) => get(`${BOARD_PATH}/api/queues`, token ? { cookie: `bureau_board=${token}` } : {});

    const asAdmin = await board(admin);
    const page = await get(BOARD_PATH, { cookie: `bureau_board=${admin}` });
    assert.equal(asAdmin.status, 200);
    assert.deepEqual((await asAdmin.json()).queues.map((q: { name: string }) => q.name).sort(), [...domains.workerKinds].sort());
    assert.equal(page.headers.get('content-security-policy'), BOARD_CSP);
    assert.equal((await board()).status, 401);
    assert.equal((await board('forged')).status, 401);
    assert.equal((await board(service)).status, 403);

    await b.post({ token: admin, task: { action: 'logout', data: {} } });
    assert.equal((await board(admin)).status, 401, 'a logged-out session opens nothing');
  });
});

describe('behind a TLS-terminating proxy (TRUST_PROXY)', () => {
  let b: TestBureau;
  before(async () => {
    b = await startTestBureau({ workers: [], config: { trustProxy: true } });
  });
  after(() => b?.close());

  it('marks the board cookie Secure when the proxy says the client used https, and not otherwise', async () => {
    const token = await b.login('admin@acme.test');
    const post = (headers: Record<string, string>) => fetch(`${b.url}/console/session`, { method: 'POST', headers: { authorization: `Bearer ${token}`, ...headers } });
    const viaHttps = await post({ 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.7' });
    const viaHttp = await post({ 'x-forwarded-proto': 'http' });

    assert.match(viaHttps.headers.get('set-cookie') ?? '', /; secure; httponly$/);
    assert.doesNotMatch(viaHttp.headers.get('set-cookie') ?? '', /secure/);
  });
});
