import assert from 'node:assert/strict';
import { startTestBureau, type TestBureau } from '../helpers/bureau.js';
import { formatReport, runFuzz } from './harness.js';

/** The fast, seeded version of `npm run fuzz` (20,000 inputs): same generator, same checks. */
const SEED = 7_2026_11;
const COUNT = 2500;

describe('fuzzing POST /api/v1, GET paths and /ws first messages (seeded)', function () {
  this.timeout(300_000);
  let b: TestBureau;
  before(async () => {
    b = await startTestBureau({ config: { maxWaitMs: 50, maxBacklog: 0 } });
  });
  after(() => b.close());

  it(`answers ${COUNT} generated inputs (seed ${SEED}) with no 5xx, only catalogued errors, no row for a rejected one, and keeps running`, async () => {
    const report = await runFuzz(b, { seed: SEED, count: COUNT, concurrency: 8 });
    console.log(formatReport(report).replace(/^/gm, '      '));
    assert.equal(report.inputs, COUNT);
    assert.ok(report.accepted > 50, `only ${report.accepted} inputs reached the handlers`);
    assert.ok(report.rejected > 1000);
    assert.deepEqual(report.failures, []);
  });
});
