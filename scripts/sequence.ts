/**
 * The sequence test (seed 001's system-wide test) against a RUNNING bureau:
 *
 *   BUREAU_DEMO_PASSWORD=... npm run sequence -- fixtures/sequences/backoffice.json
 *       [--url http://127.0.0.1:3000] [--expect validation/backoffice.log]
 *       [--update] [--out actual.log] [--verbose]
 *
 * Runs every step through POST /api/v1 and the /ws result feed, builds the
 * normalised result log and compares it with the golden file (default
 * `validation/<sequence basename>.log`). Exit 0: "sequence ok: N steps";
 * exit 1: the log differs (the diff is printed); exit 2: usage or run error.
 * `--update` rewrites the golden file with this run's log. The golden file
 * assumes a freshly loaded demo database (ids and queue contents depend on it).
 */
import { writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { compareLog, loadSequence, runSequence } from '../src/sequence/runner.js';

const USAGE = `usage: npm run sequence -- <sequence.json> [--url URL] [--expect FILE] [--update] [--out FILE] [--verbose]
  --url      bureau's base URL (default: $BUREAU_URL, else http://127.0.0.1:$PORT, PORT default 3000)
  --expect   golden log to compare with (default: validation/<sequence basename>.log)
  --update   write this run's log to the golden file instead of comparing
  --out      also write this run's log to FILE
  --verbose  print each log line as its step finishes
env: BUREAU_DEMO_PASSWORD (required) is the demo users' password.`;

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        expect: { type: 'string' },
        update: { type: 'boolean', default: false },
        out: { type: 'string' },
        verbose: { type: 'boolean', short: 'v', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    console.error(USAGE);
    return 2;
  }
  const password = process.env.BUREAU_DEMO_PASSWORD;
  if (!password) {
    console.error('BUREAU_DEMO_PASSWORD is required: the demo users\' password (the one bureau printed at start).');
    return 2;
  }
  const file = positionals[0]!;
  const baseUrl = values.url ?? process.env.BUREAU_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
  const expectPath = values.expect ?? join('validation', `${basename(file, extname(file))}.log`);

  const sequence = loadSequence(file);
  const lines = await runSequence({ baseUrl, password, sequence, onLine: values.verbose ? (l) => console.log(l) : undefined });
  if (values.out) writeFileSync(values.out, lines.map((l) => `${l}\n`).join(''));

  const cmp = compareLog(lines, expectPath, values.update);
  if (values.update) {
    console.log(cmp.updated ? `wrote ${expectPath}: ${lines.length} steps` : `${expectPath} already up to date: ${lines.length} steps`);
    return 0;
  }
  if (!cmp.ok) {
    console.error(`sequence FAILED: the result log differs from ${expectPath}\n${cmp.diff}`);
    return 1;
  }
  console.log(`sequence ok: ${lines.length} steps`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`sequence error: ${err.message}`);
    process.exit(2);
  },
);
