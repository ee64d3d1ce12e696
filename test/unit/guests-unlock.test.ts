import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ActionContext } from '../../src/core/context.js';
import { AppError } from '../../src/core/errors.js';
import type { TransitionRecord } from '../../src/core/state-machine.js';
import { Board, resetBoard, settle } from '../../src/domains/guests/rules.js';
import { apply, blockerOf, derive, OP_EVENT, violations, type GroupState, type Op } from '../../src/domains/guests/unlock.js';

/** A person's fresh rows for a generated dashboard: `sizes[i]` tasks in group i, all Locked, then the rules applied. */
function fresh(sizes: number[]): Board {
  let id = 0;
  const groups = sizes.map((n) => ({ id: ++id, status: 'Locked' as const, tasks: Array.from({ length: n }, () => ({ id: ++id, status: 'Locked' as const })) }));
  const board = new Board(
    groups.map((g) => ({ id: g.id, status: g.status }) as any),
    new Map(groups.map((g) => [g.id, g.tasks.map((t) => ({ id: t.id, status: t.status }) as any)])),
  );
  settle(recorder([]), board, derive(board.state()));
  return board;
}

function recorder(events: TransitionRecord[]): ActionContext {
  return { record: (e: TransitionRecord) => events.push(e) } as unknown as ActionContext;
}

const OPS: Op[] = ['start', 'save', 'complete', 'request', 'delete_answers', 'reset'];
const dashboards = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 });
const steps = fc.array(fc.tuple(fc.constantFrom(...OPS), fc.nat()), { minLength: 1, maxLength: 60 });

describe('guests: the unlock rules (unlock.ts) as properties', () => {
  it('never break, whatever sequence of start / save / complete / request / delete runs over whatever dashboard, and every change is a machine transition', () => {
    fc.assert(
      fc.property(dashboards, steps, (sizes, ops) => {
        const board = fresh(sizes);
        assert.deepEqual(violations(board.state()), []);
        const taskIds = board.state().flatMap((g) => g.tasks.map((t) => t.id));
        for (const [op, pick] of ops) {
          const before = board.state();
          const taskId = taskIds[pick % taskIds.length]!;
          const events: TransitionRecord[] = [];
          try {
            if (op === 'reset') resetBoard(recorder(events), board, 'test');
            else settle(recorder(events), board, apply(before, op, taskId), { taskId, event: OP_EVENT[op] });
          } catch (err) {
            assert.ok(err instanceof AppError && err.code === 'INVALID_TRANSITION', String(err));
            assert.deepEqual(board.state(), before, 'a refused operation changes nothing');
            const task = before.flatMap((g) => g.tasks).find((t) => t.id === taskId)!;
            if (task.status === 'Locked') assert.equal(err.details?.blockingTaskId, blockerOf(before, taskId)!.id);
            continue;
          }
          const after = board.state();
          assert.deepEqual(violations(after), [], `${op} on ${taskId}: ${JSON.stringify(after)}`);
          assert.deepEqual(derive(after), after, 'the rules are a fixed point');
          // A complete group is frozen: only a reset moves it.
          if (op !== 'reset') before.forEach((g, i) => g.status === 'Complete' && assert.deepEqual(after[i], g));
          for (const e of events) assert.notEqual(e.fromStatus, undefined);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('unlocks only in order: after any run, the non-Locked tasks form a prefix of the dashboard', () => {
    fc.assert(
      fc.property(dashboards, steps, (sizes, ops) => {
        let state: GroupState[] = fresh(sizes).state();
        const ids = state.flatMap((g) => g.tasks.map((t) => t.id));
        for (const [op, pick] of ops) {
          try {
            state = apply(state, op, ids[pick % ids.length]);
          } catch {
            /* refused: state unchanged */
          }
          const flat = state.flatMap((g) => g.tasks.map((t) => t.status));
          const firstLocked = flat.indexOf('Locked');
          if (firstLocked >= 0) assert.ok(flat.slice(firstLocked).every((s) => s === 'Locked'), flat.join(','));
          assert.ok(flat.slice(0, Math.max(0, (firstLocked < 0 ? flat.length : firstLocked) - 1)).every((s) => s === 'Complete'), flat.join(','));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('derives a group status from its tasks: More information first, then In progress, then Start', () => {
    const g = (tasks: string[]) => derive([{ id: 1, status: 'Start', tasks: tasks.map((status, i) => ({ id: i + 2, status: status as any })) }])[0]!.status;
    assert.equal(g(['Complete', 'More information is needed']), 'More information is needed');
    assert.equal(g(['Complete', 'Start']), 'In progress');
    assert.equal(g(['In progress', 'Locked']), 'In progress');
    assert.equal(g(['Start', 'Locked']), 'Start');
    assert.equal(g(['Complete', 'Complete']), 'Complete');
  });
});
