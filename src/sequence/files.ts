import { readdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';

/** Where sequences and their golden logs live, relative to the repository root. */
export const SEQUENCE_DIR = 'fixtures/sequences';
export const GOLDEN_DIR = 'validation';

export interface SequenceFile {
  /** The file's basename without `.json` (`backoffice`). */
  name: string;
  /** `fixtures/sequences/backoffice.json` */
  path: string;
  /** `validation/backoffice.log` */
  golden: string;
}

/** The golden log of a sequence file: `validation/<basename>.log`. */
export function goldenFor(path: string, goldenDir = GOLDEN_DIR): string {
  return join(goldenDir, `${basename(path, extname(path))}.log`);
}

/**
 * Every `*.json` of `dir` in name order, each with its golden log. A domain adds
 * its sequence by adding the pair `fixtures/sequences/<name>.json` +
 * `validation/<name>.log`; nothing lists them.
 */
export function sequenceFiles(dir = SEQUENCE_DIR, goldenDir = GOLDEN_DIR): SequenceFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ name: basename(f, '.json'), path: join(dir, f), golden: goldenFor(f, goldenDir) }));
}
