import assert from 'node:assert/strict';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEMO_PASSWORD, startTestBureau, type TestBureau } from '../helpers/bureau.js';
import { CHROMIUM_ARGS, chromiumOrSkip, logInToConsole, openConsole, screenshot, type ConsoleSession } from '../helpers/browser.js';

/**
 * The workflows console pages in real Chromium (Debian's `chromium` through
 * playwright-core), one per role: the user submits an IT request and follows
 * it, the task worker completes the triage form generated from its output
 * schema, the ticket admin sees the tickets and tasks, the designer gets each
 * validation issue by its path. `SCREENSHOTS_DIR=docs/screenshots` saves them.
 */

describe('the workflows console pages', function () {
  this.timeout(90_000);
  let b: TestBureau;
  let browser: Browser;
  const sessions: ConsoleSession[] = [];
  let ticketId = 0;

  before(async function () {
    const executablePath = chromiumOrSkip(this);
    b = await startTestBureau();
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
    await b?.close();
  });

  async function loginAs(email: string): Promise<Page> {
    const s = await logInToConsole(await openConsole(browser), b.url, email, DEMO_PASSWORD);
    sessions.push(s);
    return s.page;
  }
  const shot = (page: Page, name: string) => screenshot(page, name, { fullPage: true });
  const routes = (page: Page) => page.$$eval('.sidenav a', (as) => as.map((a) => a.getAttribute('data-route')));

  it('shows each workflows role its own page', async () => {
    const want: Record<string, string> = { 'user@initech.test': 'tickets', 'worker1@initech.test': 'my-tasks', 'ticketadmin@initech.test': 'ticket-admin', 'creator@initech.test': 'designer' };
    for (const [email, route] of Object.entries(want)) {
      const page = await loginAs(email);
      const seen = await routes(page);
      assert.ok(seen.includes(route), `${email} sees ${route}: ${seen.join(', ')}`);
      for (const other of Object.values(want).filter((r) => r !== route)) assert.ok(!seen.includes(other), `${email} does not see ${other}`);
      await page.context().close();
    }
  });

  it('lets the user submit an IT request from the form generated from its fields, and lists it', async () => {
    const page = await loginAs('user@initech.test');
    await page.goto(`${b.url}/console/#/tickets`);
    const form = page.locator('#tickets-page form.schema-form');
    await form.locator('[data-field="summary"] input').waitFor();
    await form.locator('[data-field="amount"] input').fill('lots');
    await form.locator('button[type=submit]').click();
    await form.locator('[data-field="summary"] .field-error, [data-field="amount"] .field-error').first().waitFor();
    await form.locator('[data-field="summary"] input').fill('A laptop for the new hire');
    await form.locator('[data-field="amount"] input').fill('1800');
    await form.locator('button[type=submit]').click();
    const outcome = page.locator('#submit-outcome:has-text("submitted")');
    await outcome.waitFor();
    ticketId = Number(/#(\d+)/.exec((await outcome.textContent())!)![1]);
    await page.locator(`#my-tickets tr[data-ticket="${ticketId}"]`).waitFor();
    assert.match((await page.locator(`#my-tickets tr[data-ticket="${ticketId}"]`).textContent())!, /in progress.*triage/i);
    await shot(page, 'workflows-user-tickets');
    await page.context().close();
  });

  it('lets the assigned worker complete the triage form, with bureau\'s refusal shown by the field', async () => {
    const page = await loginAs('worker1@initech.test');
    await page.goto(`${b.url}/console/#/my-tasks`);
    const card = page.locator('#my-tasks section.card').first();
    await card.waitFor();
    assert.match((await card.textContent())!, /Triage the request/);
    const form = card.locator('form.schema-form');
    await form.locator('[data-field="amount"] input').fill('1750');
    await form.locator('button[type=submit]').click();
    await form.locator('[data-field="item"].invalid .field-error').waitFor();
    assert.match((await form.locator('[data-field="item"] .field-error').textContent())!, /required/);
    await shot(page, 'workflows-my-tasks');
    await form.locator('[data-field="item"] input').fill('Laptop, 16 GB');
    await form.locator('button[type=submit]').click();
    await page.locator('#my-tasks:has-text("Nothing assigned to you")').waitFor();
    await page.context().close();
  });

  it('shows the ticket admin the company\'s tickets and tasks, and the ticket\'s progress', async () => {
    const page = await loginAs('ticketadmin@initech.test');
    await page.goto(`${b.url}/console/#/ticket-admin`);
    await page.locator(`#admin-tickets tr[data-ticket="${ticketId}"]`).waitFor();
    await page.locator('#admin-tasks tr:has-text("Approve the purchase")').waitFor();
    await shot(page, 'workflows-ticket-admin');
    await page.goto(`${b.url}/console/#/ticket/${ticketId}`);
    await page.locator('#ticket-tasks tr').nth(1).waitFor();
    assert.match((await page.locator('#ticket-tasks').textContent())!, /Triage the request.*completed.*Approve the purchase.*open/is);
    // The workflow's ext_ref, as a link with its label.
    const policy = page.locator('#ticket-refs a:has-text("Purchasing policy")');
    assert.equal(await policy.getAttribute('href'), 'https://intranet.example/policies/purchasing');
    await shot(page, 'workflows-ticket');
    await page.context().close();
  });

  it('shows ext_ref on the ticket page: labels link to http(s) URIs only, anything else stays text', async () => {
    const ok = async (token: string, action: string, data: unknown) => {
      const r = await b.act(token, action, data);
      assert.equal(r.body.task?.status, 'succeeded', `${action}: ${JSON.stringify(r.body)}`);
      return r.body.task.result;
    };
    const creator = await b.login('creator@initech.test');
    const user = await b.login('user@initech.test');
    const wf = await ok(creator, 'create_workflow_definition', {
      title: 'Linked',
      tasks: [{ key: 'only', title: 'Look it up', type: 'FORM', start: true, ext_ref: [{ label: 'Task wiki', uri: 'http://wiki.example/task' }] }],
    });
    const def = await ok(creator, 'create_ticket_definition', {
      title: 'Linked ticket', workflow_id: wf.id, fields: [{ name: 'note', type: 'string' }],
      ext_ref: [{ label: 'Runbook', desc: 'how to', uri: 'https://runbook.example/linked' }, { label: 'Sneaky', uri: 'javascript:alert(1)' }, { label: 'Share', uri: 'file:///etc/passwd' }],
    });
    const ticket = await ok(user, 'submit_ticket', { ticket_definition_id: def.id, data: { note: 'x' } });
    const page = await loginAs('user@initech.test');
    await page.goto(`${b.url}/console/#/ticket/${ticket.id}`);
    const refs = page.locator('#ticket-refs');
    await refs.waitFor();
    assert.equal(await refs.locator('a:has-text("Runbook")').getAttribute('href'), 'https://runbook.example/linked');
    assert.match((await refs.textContent())!, /Runbook.*how to.*Sneaky.*javascript:alert\(1\).*Share.*file:\/\/\/etc\/passwd/s);
    assert.deepEqual(await refs.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href'))), ['https://runbook.example/linked']);
    const taskRefs = page.locator('#ticket-tasks ul.ext-refs a:has-text("Task wiki")');
    assert.equal(await taskRefs.getAttribute('href'), 'http://wiki.example/task');
    await page.context().close();
  });

  it('shows the designer each validation issue of an upload by its path, then publishes a fixed one', async () => {
    const page = await loginAs('creator@initech.test');
    await page.goto(`${b.url}/console/#/designer`);
    const spec = { title: 'Broken', tasks: [{ key: 'a', title: 'A', type: 'FORM', start: true, output_schema: { type: 'nonsense' } }], transitions: [{ from: 'a', to: 'nowhere' }] };
    await page.fill('#upload-json', JSON.stringify(spec, null, 2));
    await page.click('#upload');
    await page.locator('#upload-issues li').first().waitFor();
    const issues = await page.$$eval('#upload-issues li code', (cs) => cs.map((c) => c.textContent));
    assert.ok(issues.includes('tasks.0.output_schema.type') && issues.includes('transitions.0.to'), JSON.stringify(issues));
    await shot(page, 'workflows-designer');
    await page.fill('#upload-json', JSON.stringify({ ...spec, title: 'Fixed', tasks: [{ ...spec.tasks[0], output_schema: { type: 'object' } }], transitions: [] }));
    await page.click('#upload');
    await page.locator('#upload-issues:has-text("Published")').waitFor();
    await page.locator('#workflows tr:has-text("Fixed")').waitFor();
    await page.context().close();
    assert.deepEqual(sessions.flatMap((s) => s.problems), [], 'no page errors and no CSP violations');
  });
});
