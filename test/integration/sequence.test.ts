import assert from 'node:assert/strict';
import { compareLog, diffLines, loadSequence, normalise, resolveRefs, runSequence, type StepRecord } from '../../src/sequence/runner.js';
import { DEMO_PASSWORD, startTestBureau, type TestBureau } from '../helpers/bureau.js';

const SEQUENCE = 'fixtures/sequences/backoffice.json';
const GOLDEN = 'validation/backoffice.log';

describe('the sequence runner', () => {
  it('resolves $refs by step number or name, anywhere inside data', () => {
    const records: StepRecord[] = [
      { status: 'succeeded', http: 202, task: { id: 40 }, result: { id: 13, items: [{ id: 7 }] } },
      { status: 403, http: 403, error: { code: 'FORBIDDEN' } },
    ];
    const names = new Map([['customer', 0]]);
    const data = { cid: { $ref: 'steps.1.result.id' }, list: [{ $ref: 'steps.customer.result.items.0.id' }], nested: { code: { $ref: 'steps.2.error.code' }, s: { $ref: 'steps.2.status' }, t: { $ref: 'steps.customer.task.id' } } };
    assert.deepEqual(resolveRefs(data, records, names), { cid: 13, list: [7], nested: { code: 'FORBIDDEN', s: 403, t: 40 } });
    assert.throws(() => resolveRefs({ $ref: 'steps.3.result.id' }, records, names), /no earlier step 3/);
    assert.throws(() => resolveRefs({ $ref: 'steps.1.result.nope' }, records, names), /nothing at "nope"/);
  });

  it('normalises instants and tokens and sorts keys', () => {
    const out = normalise({ b: 1, a: { createdAt: '2026-11-23T10:00:00.000Z', token: 'xyz', when: '2026-11-23T10:00:00Z', startedAt: null }, c: ['2026-11-23'] });
    assert.equal(JSON.stringify(out), '{"a":{"createdAt":"<time>","startedAt":null,"token":"<token>","when":"<time>"},"b":1,"c":["<time>"]}');
  });

  it('diffs with expected (-) and actual (+) line numbers', () => {
    const d = diffLines(['a', 'b', 'c'], ['a', 'x', 'c', 'd']);
    assert.equal(d, ['  1 | a', '- 2 | b', '+ 2 | x', '  3 | c', '+ 4 | d'].join('\n'));
  });
});

describe('the back-office sequence (seed 001 system-wide test)', function () {
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
    // UPDATE_GOLDEN=1 npx mocha test/integration/sequence.test.ts rewrites the golden file.
    const cmp = compareLog(lines, GOLDEN, process.env.UPDATE_GOLDEN === '1');
    assert.ok(cmp.ok, `the result log differs from ${GOLDEN}:\n${cmp.diff}`);
  });
});
