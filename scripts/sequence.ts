/**
 * The sequence tests (seed 001's system-wide test, one sequence per domain)
 * against a RUNNING bureau:
 *
 *   BUREAU_DEMO_PASSWORD=... npm run sequence [-- fixtures/sequences/backoffice.json]
 *       [--url http://127.0.0.1:3000] [--expect validation/backoffice.log]
 *       [--update] [--out actual.log] [--verbose]
 *
 * Runs every step through POST /api/v1 and the /ws result feed, builds the
 * normalised result log and compares it with the golden file (default
 * `validation/<sequence basename>.log`). Without a file, runs every
 * `fixtures/sequences/*.json` in name order, one result line each.
 * Exit 0: every log matched; exit 1: a log differs (the diff is printed);
 * exit 2: usage or run error. `--update` rewrites the golden files of what it
 * ran. A golden file assumes a freshly loaded demo database (ids and queue
 * contents depend on it).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { compareLog, goldenFor, loadSequence, runSequence, SEQUENCE_DIR, sequenceFiles, type SequenceFile } from '../src/sequence/runner.js';

const USAGE = `usage: npm run sequence [-- <sequence.json>] [--url URL] [--expect FILE] [--update] [--out FILE] [--verbose]
  without a file, runs every ${SEQUENCE_DIR}/*.json in name order against validation/<name>.log,
  one after the other on the same bureau, and prints one line per sequence
  --url      bureau's base URL (default: $BUREAU_URL, else http://127.0.0.1:$PORT, PORT default 3000)
  --expect   golden log to compare with (default: validation/<sequence basename>.log; one file only)
  --update   write this run's log to the golden file(s) instead of comparing
  --out      also write this run's log to FILE (one file only)
  --verbose  print each log line as its step finishes
env: BUREAU_DEMO_PASSWORD (required) is the demo users' password.
Each golden log assumes a freshly loaded demo database.`;

interface Run {
  baseUrl: string;
  password: string;
  update: boolean;
  verbose: boolean;
}

function runFile(file: SequenceFile, run: Run): Promise<string[]> {
  return runSequence({ baseUrl: run.baseUrl, password: run.password, sequence: loadSequence(file.path), onLine: run.verbose ? (l) => console.log(l) : undefined });
}

/** One sequence, as the single-file command always printed it. */
async function runOne(file: SequenceFile, run: Run, out: string | undefined): Promise<number> {
  const lines = await runFile(file, run);
  if (out) writeFileSync(out, lines.map((l) => `${l}\n`).join(''));
  const cmp = compareLog(lines, file.golden, run.update);
  if (run.update) {
    console.log(cmp.updated ? `wrote ${file.golden}: ${lines.length} steps` : `${file.golden} already up to date: ${lines.length} steps`);
    return 0;
  }
  if (!cmp.ok) {
    console.error(`sequence FAILED: the result log differs from ${file.golden}\n${cmp.diff}`);
    return 1;
  }
  console.log(`sequence ok: ${lines.length} steps`);
  return 0;
}

/** Every sequence, one line each; a run error stops only that sequence. Exit code: the worst. */
async function runAll(files: SequenceFile[], run: Run): Promise<number> {
  let worst = 0;
  for (const file of files) {
    let line: string;
    let code = 0;
    try {
      const lines = await runFile(file, run);
      const cmp = compareLog(lines, file.golden, run.update);
      if (run.update) line = `${cmp.updated ? 'wrote ' : 'same  '} ${file.path}: ${lines.length} steps -> ${file.golden}`;
      else if (cmp.ok) line = `ok     ${file.path}: ${lines.length} steps = ${file.golden}`;
      else {
        line = `FAILED ${file.path}: the result log differs from ${file.golden}\n${cmp.diff}`;
        code = 1;
      }
    } catch (err) {
      line = `ERROR  ${file.path}: ${(err as Error).message}`;
      code = 2;
    }
    (code ? console.error : console.log)(line);
    worst = Math.max(worst, code);
  }
  return worst;
}

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
  if (positionals.length > 1 || (positionals.length === 0 && (values.expect || values.out))) {
    console.error(USAGE);
    return 2;
  }
  const password = process.env.BUREAU_DEMO_PASSWORD;
  if (!password) {
    console.error('BUREAU_DEMO_PASSWORD is required: the demo users\' password (the one bureau printed at start).');
    return 2;
  }
  const run: Run = { baseUrl: values.url ?? process.env.BUREAU_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`, password, update: values.update, verbose: values.verbose };
  const file = positionals[0];
  if (file !== undefined) return runOne({ name: file, path: file, golden: values.expect ?? goldenFor(file) }, run, values.out);

  const files = sequenceFiles();
  if (!files.length) {
    console.error(`no sequences in ${SEQUENCE_DIR}/`);
    return 2;
  }
  return runAll(files, run);
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`sequence error: ${err.message}`);
    process.exit(2);
  },
);
