import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../src/core/errors.js';
import { isFinalTask, taskMachine, taskMay, TASK_STATUSES, type TaskEvent } from '../../src/domains/tasks/machine.js';
import { taskSql } from '../../src/pipeline/task-sql.js';

describe('the task machine', () => {
  const events = Object.keys(taskMachine.events) as TaskEvent[];

  it('refuses to start a succeeded task with INVALID_TRANSITION naming the statuses it may start from', () => {
    assert.throws(
      () => taskMachine.next('succeeded', 'start'),
      (err: unknown) => err instanceof AppError && err.code === 'INVALID_TRANSITION' && err.status === 409 && JSON.stringify(err.details?.allowedFrom) === JSON.stringify(['queued', 'running']),
    );
  });

  it('lets no event move a task out of a final status', () => {
    for (const status of taskMachine.final) {
      for (const event of events.filter((e) => taskMachine.events[e].from.length)) {
        assert.equal(taskMay(event, status), false, `${event} from ${status}`);
        assert.throws(() => taskMachine.next(status, event), /Cannot/);
      }
    }
  });

  it('cancels only a queued task, and finishes a queued or running one', () => {
    assert.deepEqual(TASK_STATUSES.filter((s) => taskMay('cancel', s)), ['queued']);
    for (const event of ['succeed', 'fail'] as const) assert.deepEqual(TASK_STATUSES.filter((s) => taskMay(event, s)), ['queued', 'running']);
    assert.deepEqual(TASK_STATUSES.filter(isFinalTask), ['succeeded', 'failed', 'cancelled']);
  });

  it('gives each event its SQL target and guard from the table', () => {
    for (const event of events) {
      const t = taskMachine.events[event];
      assert.equal(taskSql[event].to, `'${t.to}'`);
      if (!t.from.length) assert.throws(() => taskSql[event].from(), /creates a task/);
      else assert.equal(taskSql[event].from('t.status'), `t.status in (${t.from.map((s) => `'${s}'`).join(', ')})`);
    }
  });

  it('is the only place in the pipeline and the tasks domain that names a task status in SQL', () => {
    const dirs = ['src/pipeline', 'src/domains/tasks'];
    const table = 'src/domains/tasks/machine.ts';
    const statuses = TASK_STATUSES.join('|');
    // `status = 'x'`, `status in ('x', ...)`, or a status literal among an insert's values.
    const literal = new RegExp(`status\\s*(=|in\\s*\\()\\s*'(${statuses})'|,\\s*'(${statuses})'\\s*,`);
    const offenders: string[] = [];
    for (const dir of dirs) {
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && join(dir, f) !== table)) {
        readFileSync(join(dir, file), 'utf8')
          .split('\n')
          .forEach((line, i) => literal.test(line) && offenders.push(`${dir}/${file}:${i + 1}: ${line.trim()}`));
      }
    }
    assert.deepEqual(offenders, []);
  });
});
