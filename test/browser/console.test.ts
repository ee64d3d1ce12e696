import assert from 'node:assert/strict';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createLogger } from '../../src/infra/logger.js';
import { openRuntime, startWeb, type Runtime, type WebHandle } from '../../src/runtime.js';
import { DEMO_PASSWORD, startTestBureau, type TestBureau } from '../helpers/bureau.js';
import { CHROMIUM_ARGS, chromiumOrSkip, logInToConsole, openConsole, screenshot, type ConsoleSession } from '../helpers/browser.js';

/**
 * The console in real Chromium (Debian's `chromium`, driven by playwright-core)
 * against a running bureau under its strict CSP. `SCREENSHOTS_DIR=docs/screenshots`
 * (`npm run screenshots`) also saves the main views as PNGs.
 */

type Session = ConsoleSession;

describe('the browser console', function () {
  this.timeout(60_000);
  let b: TestBureau;
  let browser: Browser;
  const sessions: Session[] = [];
  let restarted: { rt: Runtime; web: WebHandle } | null = null;

  before(async function () {
    const executablePath = chromiumOrSkip(this);
    b = await startTestBureau();
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
    if (restarted) {
      await restarted.web.close();
      await restarted.rt.close();
    }
    await b?.close();
  });

  async function open(): Promise<Session> {
    const s = await openConsole(browser);
    sessions.push(s);
    return s;
  }

  const loginAs = async (email: string): Promise<Session> => logInToConsole(await open(), b.url, email, DEMO_PASSWORD);

  const shot = (page: Page, name: string) => screenshot(page, name);

  const noProblems = (s: Session) => assert.deepEqual(s.problems, [], 'no page errors and no CSP violations');
  const feedSeqs = (page: Page) => page.$$eval('#feed .feed-row[data-seq]', (rows) => rows.map((r) => Number(r.getAttribute('data-seq'))));

  it('logs each demo role in and shows the views that role may use', async () => {
    const anon = await open();
    await anon.page.goto(`${b.url}/`);
    assert.match(anon.page.url(), /\/console\/$/, 'the root sends a browser to the console');
    await anon.page.fill('#login-name', 'admin@acme.test');
    await anon.page.fill('#login-password', 'not the password');
    await anon.page.click('form.login-card button[type=submit]');
    await anon.page.waitForSelector('.login-card .form-error:has-text("Wrong login name or password")');
    await shot(anon.page, 'login');

    const expected: Record<string, { routes: string[]; landing: string }> = {
      'admin@acme.test': { routes: ['customers', 'queues', 'people', 'tasks', 'guests', 'guest-dashboards', 'bookings', 'users', 'actions', 'board'], landing: 'Customers' },
      'compliance2@acme.test': { routes: ['queue', 'actions'], landing: 'Review queue' },
      'service1@acme.test': { routes: ['inquiries', 'actions'], landing: 'Open inquiries' },
    };
    for (const [email, want] of Object.entries(expected)) {
      const s = await loginAs(email);
      const routes = await s.page.$$eval('.sidenav a', (as) => as.map((a) => a.getAttribute('data-route')));
      assert.deepEqual(routes, want.routes, `${email} sees the views of its role`);
      assert.equal(await s.page.textContent('.page-header h1'), want.landing);
      assert.match((await s.page.textContent('#who'))!, new RegExp(email.replace('.', '\\.')));
      const actions = await s.page.goto(`${b.url}/console/#/actions`).then(() => s.page.$$eval('.action-list li', (li) => li.map((l) => l.getAttribute('data-name'))));
      assert.ok(!actions.includes('login') && actions.length > 3, `${email} sees the actions it may run`);
      assert.equal(actions.includes('create_customer'), email.startsWith('admin'), 'only admins see create_customer');
      noProblems(s);
    }
  });

  it('sends an action through its generated form, shows the task id at once and its result live in the feed', async () => {
    const s = await loginAs('admin@acme.test');
    const { page } = s;
    await page.goto(`${b.url}/console/#/actions/create_transfer`);
    const form = page.locator('form.schema-form[data-action="create_transfer"]');
    assert.equal(await form.locator('[data-field="cid"] input').getAttribute('placeholder'), '1', 'the example is the placeholder');
    assert.deepEqual(await form.locator('.field .req').count(), 2, 'cid and amount are required');
    await form.locator('[data-field="cid"] input').fill('1');
    await form.locator('[data-field="amount"] input').fill('1250.75');
    await form.locator('[data-field="level"] input').fill('2');
    await form.locator('button[type=submit]').click();

    const id = Number((await page.textContent('.outcome .task-id'))!.slice(1));
    assert.ok(id > 0, 'the task id shows at once');
    const row = page.locator(`#feed .feed-row[data-task-id="${id}"][data-status="succeeded"]`);
    await row.waitFor();
    assert.match((await row.textContent())!, /create_transfer/);
    assert.match((await row.textContent())!, /amount 1250\.75/);
    await row.locator('summary').click();
    assert.match((await row.locator('pre').textContent())!, /"amount": "1250.75"/);
    await page.locator('.outcome .badge[data-status="succeeded"]').waitFor();
    await shot(page, 'actions-form');
    noProblems(s);
  });

  it('shows bureau\'s message next to the field for a bad value, refused at once or failed by the worker', async () => {
    const s = await loginAs('admin@acme.test');
    const { page } = s;
    await page.goto(`${b.url}/console/#/actions/create_transfer`);
    const form = page.locator('form.schema-form[data-action="create_transfer"]');
    await form.locator('[data-field="cid"] input').fill('1');
    await form.locator('[data-field="amount"] input').fill('12.345');
    await form.locator('button[type=submit]').click();
    const amountError = form.locator('[data-field="amount"] .field-error');
    await amountError.waitFor();
    assert.match((await amountError.textContent())!, /decimal|two decimal/i);
    assert.equal(await form.locator('[data-field="amount"]').getAttribute('class'), 'field field-anyOf invalid');
    assert.equal(await page.locator('.outcome .task-id').count(), 0, 'nothing was queued');

    await form.locator('[data-field="cid"] input').fill('2000000000');
    await form.locator('[data-field="amount"] input').fill('10.00');
    await form.locator('button[type=submit]').click();
    const cidError = form.locator('[data-field="cid"] .field-error:has-text("No customer 2000000000")');
    await cidError.waitFor();
    await page.locator('#feed .feed-row[data-status="failed"][data-action="create_transfer"]').waitFor();
    await shot(page, 'field-error');

    await form.locator('button[data-do="toggle-json"]').click();
    assert.deepEqual(JSON.parse(await form.locator('textarea.raw-json').inputValue()), { cid: 2000000000, amount: '10.00' }, 'JSON mode starts from the form');
    await form.locator('textarea.raw-json').fill('{"cid": 1, "amount": "1.00", "colour": "red"}');
    await form.locator('button[type=submit]').click();
    await form.locator('.form-error:has-text("VALIDATION_FAILED")').waitFor();
    assert.match((await form.locator('.form-error').textContent())!, /colour/);
    noProblems(s);
  });

  it('works the review queue: a new item appears live, an approved one leaves, and its history shows who moved it', async () => {
    const s = await loginAs('compliance1@acme.test');
    const { page } = s;
    const admin = await b.login('admin@acme.test');
    await page.locator('section[data-queue="document"] tbody tr[data-item]').first().waitFor();

    const created = await b.act(admin, 'create_document', { cid: 1, content: 'Proof of address, arrived in the console test', level: 1 });
    const docId = created.body.task.result.id as number;
    const row = page.locator(`tr[data-item="document-${docId}"]`);
    await row.waitFor();
    await shot(page, 'compliance-queue');

    await row.locator('button[data-do="approve"]').click();
    await row.waitFor({ state: 'detached' });

    await page.goto(`${b.url}/console/#/items/document/${docId}`);
    const history = page.locator('table.history tbody tr');
    await history.nth(1).waitFor();
    const lines = await history.allTextContents();
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /admin@acme\.test.*create.*pending/);
    assert.match(lines[1]!, /compliance1@acme\.test.*approve.*pending.*approved/);
    await shot(page, 'item-history');

    const service = await loginAs('service2@acme.test');
    const inquiry = service.page.locator('section[data-queue="inquiry"] tbody tr[data-item]').first();
    await inquiry.waitFor();
    await shot(service.page, 'service-inquiries');
    const inquiryKey = (await inquiry.getAttribute('data-item'))!;
    await inquiry.locator('button[data-do="close"]').click();
    await service.page.fill('dialog.modal textarea[name="answer"]', 'Refunded; closing.');
    await service.page.click('dialog.modal button[value="ok"]');
    await service.page.locator(`tr[data-item="${inquiryKey}"]`).waitFor({ state: 'detached' });
    noProblems(s);
    noProblems(service);
  });

  it('resumes the feed after a reload and after the web process restarts, with no gap and no duplicate', async () => {
    const s = await loginAs('admin@acme.test');
    const { page } = s;
    await page.check('#feed-show-reads');
    const token = await b.login('admin@acme.test');
    const first = await b.act(token, 'create_customer', { name: 'Before the reload' });
    await page.locator(`#feed .feed-row[data-task-id="${first.body.task.id}"][data-status="succeeded"]`).waitFor();

    const before = await feedSeqs(page);
    await page.reload();
    await page.waitForSelector('#conn[data-state="live"]');
    await page.check('#feed-show-reads');
    const after = await feedSeqs(page);
    assert.equal(new Set(after).size, after.length, 'no row twice after the reload');
    // The page's own reads after the reload add rows above; everything from before is there, in order.
    assert.deepEqual(after.filter((seq) => seq <= Math.max(...before)), before, 'a reload shows the same rows');

    // The web process goes away while three results are produced, then comes back on the same port.
    await b.stopWorkers();
    const ids: number[] = [];
    for (const name of ['During the outage 1', 'During the outage 2', 'During the outage 3']) {
      const r = await b.post({ token, task: { action: 'create_customer', data: { name } } });
      ids.push(r.body.task.id);
    }
    const port = b.web.port;
    await b.web.close();
    await page.waitForSelector('#conn[data-state="reconnecting"]');
    await b.startWorkers();
    for (;;) {
      const { rows } = await b.db.query(`select count(*)::int as n from task where id = any($1) and status = 'succeeded'`, [ids]);
      if (rows[0].n === ids.length) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const rt = await openRuntime(b.config, createLogger('silent', 'web2'));
    restarted = { rt, web: await startWeb(rt, { port, host: '127.0.0.1' }) };

    await page.waitForSelector('#conn[data-state="live"]', { timeout: 20_000 });
    for (const id of ids) await page.locator(`#feed .feed-row[data-task-id="${id}"][data-status="succeeded"]`).waitFor();
    const seqs = (await feedSeqs(page)).sort((x, y) => x - y);
    assert.equal(new Set(seqs).size, seqs.length, 'no result shows twice');
    assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i), 'no seq is missing');
    assert.equal(seqs[0], 1, 'the feed holds everything since the first result');
    noProblems(s);
  });

  it('searches tasks and opens Bull Board to admins only; logging out closes it', async () => {
    const s = await loginAs('admin@acme.test');
    const { page } = s;
    await page.goto(`${b.url}/console/#/tasks`);
    await page.selectOption('form.filters select[name="action"]', 'create_transfer');
    await page.fill('form.filters input[name="field"]', 'amount');
    await page.fill('form.filters input[name="value"]', '1250.75');
    await page.click('form.filters button[type=submit]');
    await page.waitForFunction(() => document.querySelectorAll('table.tasks tbody tr[data-task-id]').length === 1);
    assert.match((await page.textContent('table.tasks tbody tr[data-task-id]'))!, /create_transfer.*admin@acme\.test.*succeeded/);
    await shot(page, 'task-search');

    await page.fill('form.filters input[name="value"]', '');
    await page.click('form.filters button[type=submit]');
    await page.locator('form.filters [data-field="value"] .field-error').waitFor();
    assert.match((await page.textContent('form.filters [data-field="value"] .field-error'))!, /go together/);

    await page.goto(`${b.url}/console/#/customers`);
    await page.locator('tr[data-customer]').first().waitFor();
    await shot(page, 'admin-customers');
    await page.click('tr[data-customer="1"] a');
    await page.locator('section[data-items="transfer"] tbody tr').first().waitFor();
    await page.click('button[data-do="open-new-transfer"]');
    const cid = page.locator('form[data-action="create_transfer"] [data-field="cid"] input');
    assert.equal(await cid.inputValue(), '1', 'the customer id is filled in');
    assert.equal(await cid.getAttribute('readonly'), '');
    await shot(page, 'admin-customer');
    await page.fill('form[data-action="create_transfer"] [data-field="amount"] input', '77.70');
    await page.click('form[data-action="create_transfer"] button[type=submit]');
    await page.locator('section[data-items="transfer"] td.money:has-text("77.70")').waitFor();

    await page.goto(`${b.url}/console/#/people`);
    await page.locator('tr[data-person]').first().waitFor();
    assert.equal(await page.locator('tr[data-person]').count(), 9, 'the nine acme demo users (seven of the back office, two requesters)');
    // An invitation through the form generated from invite_user's schema: the new person appears with its invitation.
    await page.click('button[data-do="open-invite"]');
    const invite = 'form[data-action="invite_user"]';
    await page.fill(`${invite} [data-field="email"] input`, 'grace.hopper@newhire.test');
    await page.selectOption(`${invite} [data-field="role"] select`, 'compliance');
    await page.fill(`${invite} [data-field="first_name"] input`, 'Grace');
    await page.fill(`${invite} [data-field="last_name"] input`, 'Hopper');
    await page.click(`${invite} button[type=submit]`);
    const invited = page.locator('tr[data-person]:has-text("grace.hopper@newhire.test")');
    await invited.waitFor();
    assert.equal(await page.locator('tr[data-person]').count(), 10);
    assert.match(await invited.innerText(), /invited|not invited/i);
    await page.click('button[data-do="open-invite"]'); // closes the form again, so the picture shows the table
    await shot(page, 'admin-people');

    const board = await page.goto(`${b.url}/admin/queues`);
    assert.equal(board!.status(), 200);
    await page.getByText('compliance', { exact: true }).first().waitFor();
    await shot(page, 'bull-board');
    // (Bull Board's own page asks for Google Fonts, which its CSP refuses: the admin session's problems are not checked here.)

    const compliance = await loginAs('compliance3@acme.test');
    const refused = await compliance.page.goto(`${b.url}/admin/queues`);
    assert.equal(refused!.status(), 401, 'a compliance login gets no board cookie');
    const anonymous = await open();
    assert.equal((await anonymous.page.goto(`${b.url}/admin/queues`))!.status(), 401);

    await page.goto(`${b.url}/console/`);
    await page.click('#logout');
    await page.waitForSelector('#login-name');
    assert.equal((await page.goto(`${b.url}/admin/queues`))!.status(), 401, 'logout clears the board cookie');
    noProblems(compliance);
  });
});
