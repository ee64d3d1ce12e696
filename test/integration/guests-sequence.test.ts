import assert from 'node:assert/strict';
import { compareLog, loadSequence, runSequence } from '../../src/sequence/runner.js';
import { DEMO_PASSWORD, startTestBureau, type TestBureau } from '../helpers/bureau.js';

const SEQUENCE = 'fixtures/sequences/guest.json';
const GOLDEN = 'validation/guest.log';

describe('the guest sequence (seed 000: a guest from the start to the end of matching)', function () {
  this.timeout(120_000);
  let b: TestBureau;
  before(async () => {
    b = await startTestBureau();
  });
  after(() => b?.close());

  it(`produces exactly ${GOLDEN} on a fresh demo database`, async () => {
    const sequence = loadSequence(SEQUENCE);
    const lines = await runSequence({ baseUrl: b.url, password: DEMO_PASSWORD, sequence });
    assert.equal(lines.length, sequence.steps.length);
    // UPDATE_GOLDEN=1 npx mocha test/integration/guests-sequence.test.ts rewrites the golden file.
    const cmp = compareLog(lines, GOLDEN, process.env.UPDATE_GOLDEN === '1');
    assert.ok(cmp.ok, `the result log differs from ${GOLDEN}:\n${cmp.diff}`);
  });
});
