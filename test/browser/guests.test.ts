import assert from 'node:assert/strict';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEMO_PASSWORD, startTestBureau, type TestBureau } from '../helpers/bureau.js';
import { CHROMIUM_ARGS, chromiumOrSkip, logInToConsole, openConsole, screenshot, type ConsoleSession } from '../helpers/browser.js';

/**
 * The guest onboarding pages in real Chromium under the console's CSP: the
 * guest's dashboard and generated application form, the coordinator's guest
 * list and request for information, the provider admin's dashboard editor.
 * `SCREENSHOTS_DIR=docs/screenshots` also saves them as PNGs.
 */

describe('the guest onboarding console pages', function () {
  this.timeout(90_000);
  let b: TestBureau;
  let browser: Browser;
  const sessions: [string, ConsoleSession][] = [];

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
    const s = await logInToConsole(await openConsole(browser, { width: 1440, height: 1000 }), b.url, email, DEMO_PASSWORD);
    sessions.push([email, s]);
    return s.page;
  }

  const shot = (page: Page, name: string) => screenshot(page, name, { fullPage: true });

  const taskStatus = (page: Page, key: string) => page.getAttribute(`.gw-task[data-task="${key}"]`, 'data-status');

  it("shows a guest their dashboard with locked tasks as such, and the application form generated from the question types; save and complete unlock the next task", async () => {
    const page = await loginAs('guest1@hope.test');
    assert.equal(await page.textContent('.page-header h1'), 'My dashboard');
    await page.waitForSelector('.gw-group[data-group="application_and_onboarding"][data-status="Start"]');
    assert.equal(await taskStatus(page, 'application'), 'Start');
    assert.equal(await taskStatus(page, 'training_session'), 'Locked');
    assert.equal(await page.getAttribute('.gw-group[data-group="host_matching"]', 'data-status'), 'Locked');
    assert.equal(await page.locator('.gw-task[data-task="training_session"] button').count(), 0, 'a locked task offers nothing to do');
    await shot(page, 'guest-dashboard');

    await page.click('.gw-task[data-task="application"] [data-do="open-form"]');
    const form = page.locator('form[data-form="application"]');
    await form.waitFor();
    assert.equal(await form.locator('[data-question="date_of_birth"] input').getAttribute('type'), 'date');
    assert.equal(await form.locator('[data-question="about_you"] textarea').count(), 1);
    assert.equal(await form.locator('[data-question="languages"] input[type=checkbox]').count(), 6);
    await form.locator('[data-question="full_name"] input').fill('Gwen Guest');
    await form.locator('[data-question="date_of_birth"] input').fill('2002-03-04');
    await form.locator('[data-question="phone"] input').fill('+1 213 555 0199');
    await form.locator('[data-question="current_housing"] select').selectOption('Shelter');
    await form.locator('[data-question="employed"] select').selectOption('true');
    await form.locator('[data-question="languages"] input[value="Spanish"]').check();
    await form.locator('[data-do="save"]').click();
    await page.waitForSelector('.gw-task[data-task="application"][data-status="In progress"]');
    await form.locator('[data-do="complete"]').click();
    await form.locator('.error-box').waitFor();
    assert.match((await form.locator('.error-box').textContent())!, /VALIDATION_FAILED.*in_school/);
    await shot(page, 'guest-application');

    await form.locator('[data-question="in_school"] select').selectOption('false');
    await form.locator('[data-question="smokes"] select').selectOption('false');
    await form.locator('[data-question="about_you"] textarea').fill('I work mornings and study at night.');
    await form.locator('[data-do="complete"]').click();
    await page.waitForSelector('.gw-task[data-task="application"][data-status="Complete"]');
    await page.waitForSelector('.gw-task[data-task="coordinator_interview"][data-status="Start"]');
  });

  it("lists a coordinator's guests with where each is, and sends a request for information the guest sees", async () => {
    const page = await loginAs('coordinator@hope.test');
    assert.equal(await page.textContent('.page-header h1'), 'Guests');
    await page.waitForSelector('tr[data-guest="guest2@hope.test"]');
    assert.match((await page.textContent('tr[data-guest="guest3@hope.test"]'))!, /Host Matching/);
    await shot(page, 'coordinator-guests');
    await page.click('tr[data-guest="guest2@hope.test"] a');
    await page.waitForSelector('.gw-task[data-task="coordinator_interview"][data-status="In progress"]');
    await page.click('.gw-task[data-task="coordinator_interview"] [data-do="request-info"]');
    await page.fill('dialog.modal textarea[name="message"]', 'Which days can you meet next week?');
    await page.click('dialog.modal button[type=submit]');
    await page.waitForSelector('.gw-task[data-task="coordinator_interview"][data-status="More information is needed"]');
    await shot(page, 'coordinator-guest');

    const guest = await loginAs('guest2@hope.test');
    await guest.waitForSelector('.gw-task[data-task="coordinator_interview"] .gw-info');
    assert.match((await guest.textContent('.gw-task[data-task="coordinator_interview"] .gw-info'))!, /Which days can you meet/);
  });

  it("lets the provider admin edit the dashboard definition, naming the path of what does not fit, and publish a new version", async () => {
    const page = await loginAs('admin@hope.test');
    await page.click('.sidenav a[data-route="guest-dashboards"]');
    await page.waitForFunction(() => (document.querySelector('.gw-editor textarea') as HTMLTextAreaElement | null)?.value.includes('application_and_onboarding'));
    const definition = JSON.parse(await page.inputValue('.gw-editor textarea'));
    definition.taskGroups[0].tasks[0].questions[1].type = 'colour';
    await page.fill('.gw-editor textarea', JSON.stringify(definition, null, 2));
    await page.click('[data-do="publish"]');
    await page.waitForSelector('.gw-issues li[data-path="definition.taskGroups.0.tasks.0.questions.1.type"]');
    await shot(page, 'dashboard-editor');
    definition.taskGroups[0].tasks[0].questions[1].type = 'date';
    definition.title = 'Guest onboarding 2027';
    await page.fill('.gw-editor textarea', JSON.stringify(definition, null, 2));
    await page.click('[data-do="publish"]');
    await page.waitForFunction(() => /Current version 2/.test(document.querySelector('.gw-editor p.muted')?.textContent ?? ''));
    assert.deepEqual(sessions.flatMap(([email, s]) => s.problems.map((p) => `${email}: ${p}`)), [], 'no page errors and no CSP violations');
  });
});
