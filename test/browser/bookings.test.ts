import assert from 'node:assert/strict';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEMO_PASSWORD, startTestBureau, type TestBureau } from '../helpers/bureau.js';
import { CHROMIUM_ARGS, chromiumOrSkip, logInToConsole, openConsole, screenshot, type ConsoleSession } from '../helpers/browser.js';

/**
 * The bookings pages of the console in real Chromium: the requester's "My
 * bookings" with its request form, the admin's bookings list (accept, reject,
 * the overlap shown and refused) and the users page (disable ends the user's
 * console session at once). `SCREENSHOTS_DIR=docs/screenshots` also saves them.
 */

type Session = ConsoleSession;

describe('the console for bookings (seed 004)', function () {
  this.timeout(60_000);
  let b: TestBureau;
  let browser: Browser;

  before(async function () {
    const executablePath = chromiumOrSkip(this);
    b = await startTestBureau();
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
    await b?.close();
  });

  const loginAs = async (email: string): Promise<Session> => logInToConsole(await openConsole(browser), b.url, email, DEMO_PASSWORD);

  const shot = (page: Page, name: string) => screenshot(page, name);

  const noProblems = (s: Session) => assert.deepEqual(s.problems, [], 'no page errors and no CSP violations');
  const future = (days: number) => {
    const d = new Date(Date.now() + days * 86_400_000);
    d.setHours(10, 0, 0, 0);
    // datetime-local wants local wall time
    const pad = (n: number) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  };

  async function fillBooking(page: Page, v: Record<string, string>) {
    for (const [name, value] of Object.entries(v)) await page.fill(`form[data-form="submit_booking"] [name="${name}"]`, value);
    await page.click('form[data-form="submit_booking"] button[type=submit]');
  }

  it("lets a requester ask for a booking, shows bureau's refusal next to the field, and shows the admin's decision live", async () => {
    const r = await loginAs('requester1@acme.test');
    const routes = await r.page.$$eval('.sidenav a', (as) => as.map((a) => a.getAttribute('data-route')));
    assert.deepEqual(routes, ['my-bookings', 'actions'], 'a requester sees its bookings and its actions, nothing of the back office');
    assert.equal(await r.page.textContent('.page-header h1'), 'My bookings');
    await r.page.locator('table[data-table="my-bookings"] tr[data-booking]').first().waitFor();
    const demo = await r.page.$$eval('table[data-table="my-bookings"] tr[data-booking] .badge', (els) => els.map((e) => e.getAttribute('data-status')));
    assert.ok(demo.includes('accepted') && demo.includes('pending'), `the demo bookings show: ${demo.join(', ')}`);

    const address = { street: '77 Pier Road', city: 'Portsmouth', state: 'Hampshire', postal_code: 'PO1 3AA' };
    await fillBooking(r.page, { topic: 'Harbour tour', starts_at: future(40), duration_minutes: '90', ...address, country: 'XX' });
    const countryError = r.page.locator('[data-field="address.country"] .field-error');
    await countryError.filter({ hasText: 'not a known country code' }).waitFor();
    await shot(r.page, 'bookings-requester-field-error');

    await r.page.fill('form[data-form="submit_booking"] [name="country"]', 'GB');
    await r.page.click('form[data-form="submit_booking"] button[type=submit]');
    const asked = await r.page.locator('.outcome .sent.ok').textContent();
    const id = Number(/#(\d+)/.exec(asked!)![1]);
    const row = r.page.locator(`table[data-table="my-bookings"] tr[data-booking="${id}"]`);
    await row.locator('.badge[data-status="pending"]').waitFor();
    await shot(r.page, 'bookings-requester');

    const a = await loginAs('admin@acme.test');
    await a.page.goto(`${b.url}/console/#/bookings`);
    const adminRow = a.page.locator(`table[data-table="bookings"] tr[data-booking="${id}"]`);
    await adminRow.waitFor();
    await adminRow.locator('button[data-do="accept"]').click();

    // The requester's page follows the decision by itself (the notice, then a reload).
    await row.locator('.badge[data-status="accepted"]').waitFor();
    noProblems(r);
    noProblems(a);
  });

  it('shows the admin the overlap, refuses to accept it naming the accepted booking, and rejects with a reason', async () => {
    const a = await loginAs('admin@acme.test');
    await a.page.goto(`${b.url}/console/#/bookings`);
    const overlapping = a.page.locator('table[data-table="bookings"] tr.has-overlap').first();
    await overlapping.waitFor();
    assert.match((await overlapping.locator('td[data-overlaps]').textContent())!, /overlaps #\d+ Team offsite kickoff/);
    await shot(a.page, 'bookings-admin');

    const accepted = /overlaps #(\d+)/.exec((await overlapping.locator('td[data-overlaps]').textContent())!)![1];
    await overlapping.locator('button[data-do="accept"]').click();
    const refusal = overlapping.locator('.row-outcome.error-text');
    await refusal.waitFor();
    assert.match((await refusal.textContent())!, new RegExp(`CONFLICT: Cannot accept booking \\d+: it overlaps accepted booking ${accepted} at the same address`));
    await shot(a.page, 'bookings-admin-conflict');

    const id = await overlapping.getAttribute('data-booking');
    await overlapping.locator('button[data-do="reject"]').click();
    await a.page.fill('dialog.modal textarea[name="reason"]', 'The hall is taken that morning.');
    await a.page.click('dialog.modal button[type=submit]');
    await a.page.selectOption('select[data-filter="status"]', 'rejected');
    const rejected = a.page.locator(`table[data-table="bookings"] tr[data-booking="${id}"]`);
    await rejected.locator('.badge[data-status="rejected"]').waitFor();
    assert.match((await rejected.textContent())!, /The hall is taken that morning\./);
    noProblems(a);
  });

  it("lets an admin disable a user: the user's open console is logged out at once", async () => {
    const victim = await loginAs('requester2@acme.test');
    const a = await loginAs('admin@acme.test');
    await a.page.goto(`${b.url}/console/#/users`);
    const row = a.page.locator('table[data-table="users"] tr[data-email="requester2@acme.test"]');
    await row.locator('button[data-do="disable"]').click();
    await a.page.fill('dialog.modal input[name="reason"]', 'Left the company.');
    await a.page.click('dialog.modal button[type=submit]');
    await row.locator('.badge[data-status="disabled"]').waitFor();
    await shot(a.page, 'users-status');
    // The websocket closes with 4401: the console goes back to its login page.
    await victim.page.waitForSelector('form.login-card');
    await row.locator('button[data-do="enable"]').click();
    await row.locator('.badge[data-status="active"]').waitFor();
    noProblems(a);
  });
});
