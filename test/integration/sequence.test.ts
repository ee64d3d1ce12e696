import assert from 'node:assert/strict';
import { compareLog, diffLines, loadSequence, normalise, OwnIds, resolveRefs, runSequence, sequenceFiles, type StepRecord } from '../../src/sequence/runner.js';
import type { RowKinds } from '../../src/core/domain-set.js';
import { DEMO_PASSWORD, startTestBureau } from '../helpers/bureau.js';

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

  it('names ids by the kinds it is given, not by a list of its own', () => {
    const kinds: RowKinds = {
      resultKindOf: (action) => (action === 'get_parcel' ? 'parcel' : null),
      createdBy: (action) => (action === 'create_parcel' ? 'parcel' : null),
      typed: new Set(['crate']),
      listKeys: { parcels: 'parcel' },
      messageWords: { Parcel: 'parcel' },
      refKeys: { parcelId: 'parcel' },
    };
    const ids = new OwnIds(kinds);
    ids.addMade('create_parcel', { id: 7 });
    ids.add('crate', 3);
    const out = normalise({ id: 7, parcelId: 7, parcels: [{ id: 7 }], crate: { type: 'crate', id: 3 }, customerId: 7, message: 'Parcel 7 and customer 7' }, ids, 'parcel');
    assert.equal(JSON.stringify(out), '{"crate":{"id":"<crate:1>","type":"crate"},"customerId":7,"id":"<parcel:1>","message":"Parcel <parcel:1> and customer 7","parcelId":"<parcel:1>","parcels":[{"id":"<parcel:1>"}]}');
  });

  it('diffs with expected (-) and actual (+) line numbers', () => {
    const d = diffLines(['a', 'b', 'c'], ['a', 'x', 'c', 'd']);
    assert.equal(d, ['  1 | a', '- 2 | b', '+ 2 | x', '  3 | c', '+ 4 | d'].join('\n'));
  });
});

// One test per fixtures/sequences/<name>.json: a domain adds its sequence and
// validation/<name>.log, and it runs here with no edit.
describe('the sequences (seed 001 system-wide test), each on a fresh demo database', function () {
  this.timeout(180_000);
  const files = sequenceFiles();

  it('finds at least the back-office sequence', () => {
    assert.ok(files.some((f) => f.name === 'backoffice'), `no backoffice.json among ${files.map((f) => f.path).join(', ')}`);
  });

  for (const file of files) {
    it(`${file.path} produces exactly ${file.golden}`, async () => {
      const b = await startTestBureau();
      try {
        const sequence = loadSequence(file.path);
        const lines = await runSequence({ baseUrl: b.url, password: DEMO_PASSWORD, sequence });
        assert.equal(lines.length, sequence.steps.length);
        // UPDATE_GOLDEN=1 npx mocha test/integration/sequence.test.ts rewrites the golden files.
        const cmp = compareLog(lines, file.golden, process.env.UPDATE_GOLDEN === '1');
        assert.ok(cmp.ok, `the result log differs from ${file.golden}:\n${cmp.diff}`);
      } finally {
        await b.close();
      }
    });
  }
});
