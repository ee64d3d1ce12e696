/**
 * The sequence test (seed 001's "system-wide test"): a scripted sequence of
 * tasks is sent to a RUNNING bureau through its public API (POST /api/v1 + the
 * /ws result feed), every step's outcome becomes one normalised line of a
 * result log, and the log is compared with a golden file under `validation/`.
 *
 *   steps.ts      the sequence file's schema, parsing, `$ref` and `{run}`
 *   normalise.ts  what makes two runs' logs equal (ids named by `RowKinds`)
 *   run.ts        runSequence: the POSTs, the feeds (`src/client/feed.ts`), the log
 *   log-diff.ts   the golden file: compare, diff, update
 *   files.ts      which sequences there are and their golden files
 */
export { sequenceFiles, goldenFor, SEQUENCE_DIR, GOLDEN_DIR, type SequenceFile } from './files.js';
export { compareLog, diffLines, readLog, type CompareResult } from './log-diff.js';
export { logLine, normalise, OwnIds } from './normalise.js';
export { runSequence, type RunOptions } from './run.js';
export { loadSequence, parseSequence, resolveRefs, SequenceError, SequenceSchema, type Sequence, type SequenceStep, type StepRecord } from './steps.js';
