import assert from 'node:assert/strict';
import { SlotShares } from '../../src/pipeline/slot-shares.js';

describe('sharing out a queue\'s worker slots between tenants', () => {
  it('never limits a tenant alone on the queue', () => {
    assert.equal(new SlotShares(32).limit('admin', [500]), Infinity);
  });

  it('limits every tenant to slots / tenants while one of them uses at most half that share', () => {
    assert.equal(new SlotShares(32).limit('admin', [60, 4]), 16);
    assert.equal(new SlotShares(32).limit('admin', [60, 8]), 16);
    assert.equal(new SlotShares(8).limit('admin', [60, 2]), 4);
    assert.equal(new SlotShares(32).limit('admin', [60, 40, 2]), 10);
  });

  it('leaves tenants that each use more than half their share to the queue\'s priorities', () => {
    assert.equal(new SlotShares(32).limit('admin', [60, 9]), Infinity);
    assert.equal(new SlotShares(32).limit('admin', [28, 24]), Infinity);
  });

  it('keeps the queue shared out for a while after the light tenant was last seen with work', () => {
    const s = new SlotShares(32, 2000);
    assert.equal(s.limit('admin', [60, 4], 1000), 16);
    assert.equal(s.limit('admin', [60, 0], 2500), 16, 'between two of its actions');
    assert.equal(s.limit('admin', [60], 3100), Infinity, 'gone for longer than the linger');
    assert.equal(s.limit('mail', [60]), Infinity, 'each queue on its own');
  });

  it('is off with no slots set (TENANT_ACTIVE_SLOTS=0)', () => {
    assert.equal(new SlotShares(0).limit('admin', [60, 1]), Infinity);
  });
});
