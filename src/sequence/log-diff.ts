import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { diffArrays } from 'diff';

/** The golden file: a result log compared with (or written to) `validation/<name>.log`. */

export interface CompareResult {
  ok: boolean;
  /** True when `update` rewrote the golden file. */
  updated: boolean;
  /** Human-readable differences (empty when ok). */
  diff: string;
}

/** Lines of a log file, without the final newline. */
export function readLog(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * A line diff of expected vs actual (jsdiff): `-  NN | line` is expected line NN
 * missing from the actual log, `+  NN | line` is actual line NN not expected;
 * two lines of context around each change.
 */
export function diffLines(expected: readonly string[], actual: readonly string[], context = 2): string {
  type Op = { mark: ' ' | '-' | '+'; line: string; no: number };
  const ops: Op[] = [];
  let e = 0;
  let a = 0;
  for (const part of diffArrays([...expected], [...actual])) {
    for (const line of part.value) {
      if (part.removed) ops.push({ mark: '-', line, no: ++e });
      else if (part.added) ops.push({ mark: '+', line, no: ++a });
      else {
        e++;
        ops.push({ mark: ' ', line, no: ++a });
      }
    }
  }
  const width = String(Math.max(expected.length, actual.length)).length;
  const show = new Set<number>();
  ops.forEach((o, k) => {
    if (o.mark === ' ') return;
    for (let c = Math.max(0, k - context); c <= Math.min(ops.length - 1, k + context); c++) show.add(c);
  });
  const out: string[] = [];
  let last = -1;
  ops.forEach((o, k) => {
    if (!show.has(k)) return;
    if (last !== -1 && k !== last + 1) out.push('   ...');
    out.push(`${o.mark} ${String(o.no).padStart(width)} | ${o.line}`);
    last = k;
  });
  return out.join('\n');
}

/**
 * Compares the log with the golden file at `expectedPath`. With `update`, writes
 * the log there instead (creating the directory) and reports ok.
 */
export function compareLog(actual: readonly string[], expectedPath: string, update = false): CompareResult {
  const text = actual.map((l) => `${l}\n`).join('');
  if (update) {
    const same = existsSync(expectedPath) && readFileSync(expectedPath, 'utf8') === text;
    if (!same) {
      mkdirSync(dirname(expectedPath), { recursive: true });
      writeFileSync(expectedPath, text);
    }
    return { ok: true, updated: !same, diff: '' };
  }
  if (!existsSync(expectedPath)) {
    return { ok: false, updated: false, diff: `no golden file at ${expectedPath}; run with --update (UPDATE_GOLDEN=1 in the test) to write it` };
  }
  const expected = readLog(expectedPath);
  if (expected.length === actual.length && expected.every((l, k) => l === actual[k])) return { ok: true, updated: false, diff: '' };
  const header = `--- expected ${expectedPath} (${expected.length} lines)\n+++ actual (${actual.length} lines)`;
  return { ok: false, updated: false, diff: `${header}\n${diffLines(expected, actual)}` };
}
