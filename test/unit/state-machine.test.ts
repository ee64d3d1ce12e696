import assert from 'node:assert/strict';
import { AppError } from '../../src/core/errors.js';
import { defineMachine, fire, type TransitionRecord } from '../../src/core/state-machine.js';

const machine = defineMachine({
  entity: 'thing',
  statuses: ['new', 'open', 'done'],
  final: ['done'],
  events: { create: { from: [], to: 'new' }, open: { from: ['new'], to: 'open' }, finish: { from: ['new', 'open'], to: 'done' } },
});

describe('state machines', () => {
  it('moves along a declared event and records from, to and why', () => {
    const events: TransitionRecord[] = [];
    const item = { id: 7, status: 'new' as 'new' | 'open' | 'done' };
    fire({ record: (e) => events.push(e) }, machine, item, 'open', { reason: 'ready' });
    assert.equal(item.status, 'open');
    assert.deepEqual(events, [{ entityType: 'thing', entityId: 7, event: 'open', fromStatus: 'new', toStatus: 'open', reason: 'ready', data: undefined }]);
  });

  it('refuses an undeclared move with INVALID_TRANSITION and leaves the status alone', () => {
    const item = { id: 1, status: 'done' as 'new' | 'open' | 'done' };
    assert.throws(
      () => fire({ record: () => assert.fail('must not record') }, machine, item, 'open'),
      (e: unknown) => e instanceof AppError && e.code === 'INVALID_TRANSITION' && e.status === 409,
    );
    assert.equal(item.status, 'done');
  });

  it('records a creation event with no from status', () => {
    const events: TransitionRecord[] = [];
    fire({ record: (e) => events.push(e) }, machine, { id: 2, status: 'new' as const }, 'create');
    assert.equal(events[0]?.fromStatus, null);
  });

  it('rejects a table that names an unknown status', () => {
    assert.throws(() => defineMachine({ entity: 'bad', statuses: ['a'], final: [], events: { go: { from: ['a'], to: 'b' as 'a' } } }));
  });
});
