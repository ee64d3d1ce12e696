import { existsSync } from 'node:fs';

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
