import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/** The Chromium the browser tests drive through playwright-core: Debian's `chromium`, or CHROMIUM_PATH. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Headless flags for a container without a sandbox, a GPU or a large /dev/shm. */
export const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

/** Why the browser tests are pending on this machine, or null when Chromium is there. */
export function noChromiumReason(): string | null {
  if (existsSync(CHROMIUM)) return null;
  return `no Chromium at ${CHROMIUM} (install it with \`apt-get install -y chromium\`, or set CHROMIUM_PATH to a Chromium executable)`;
}

/**
 * First line of a browser suite's `before(function () {...})`: on a machine
 * without Chromium, the suite's tests are pending with the reason in their
 * titles and on the console (like the Redis-only tests), instead of failing in
 * `chromium.launch`. Returns the executable to launch otherwise.
 */
export function chromiumOrSkip(ctx: Mocha.Context): string {
  const reason = noChromiumReason();
  if (!reason) return CHROMIUM;
  console.log(`  browser tests pending: ${reason}`);
  const mark = (suite: Mocha.Suite | undefined): void => {
    if (!suite) return;
    for (const t of suite.tests) t.title = `${t.title} [pending: ${reason}]`;
    suite.suites.forEach(mark);
  };
  mark(ctx.test?.parent);
  ctx.skip();
}

/** A console tab: its context, page, and the page errors and CSP refusals it has seen so far. */
export interface ConsoleSession {
  context: BrowserContext;
  page: Page;
  problems: string[];
}

/** A fresh tab on bureau's console that records page errors and CSP violations (the browser tests assert there are none). */
export async function openConsole(browser: Browser, viewport = { width: 1440, height: 900 }): Promise<ConsoleSession> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  return { context, page, problems };
}

/** Logs `email` in through the console's login form and waits for the live feed. */
export async function logInToConsole(s: ConsoleSession, baseUrl: string, email: string, password: string): Promise<ConsoleSession> {
  await s.page.goto(`${baseUrl}/`);
  await s.page.fill('#login-name', email);
  await s.page.fill('#login-password', password);
  await s.page.click('form.login-card button[type=submit]');
  await s.page.waitForSelector('#conn[data-state="live"]');
  return s;
}

/** Saves a PNG under SCREENSHOTS_DIR (docs/screenshots for `npm run screenshots`); nothing when it is unset. */
export async function screenshot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<void> {
  const dir = process.env.SCREENSHOTS_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.waitForTimeout(300); // let the last rows paint; screenshots only, never an assertion
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: opts.fullPage ?? false });
}
