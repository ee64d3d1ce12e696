import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, lazyChild } from '../../src/infra/logger.js';

describe('lazyChild (a worker\'s per-task logger)', () => {
  const capture = () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger('info', 'test', new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk)) as Record<string, unknown>), done()) }) as never);
    return { log, lines };
  };

  it('makes no child until a line is written, then writes it with the bindings, redacted like any other', async () => {
    const { log, lines } = capture();
    let children = 0;
    const child = log.child.bind(log);
    log.child = ((...args: Parameters<typeof child>) => (children++, child(...args))) as typeof log.child;
    const taskLog = lazyChild(log, { taskId: 7, action: 'create_customer' });
    assert.equal(children, 0);
    taskLog.warn({ token: 'secret-token', code: 'UNAVAILABLE' }, 'task failed; will retry');
    taskLog.info('again');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(children, 1);
    assert.deepEqual(lines.map((l) => [l.taskId, l.action, l.token, l.msg]), [
      [7, 'create_customer', '[redacted]', 'task failed; will retry'],
      [7, 'create_customer', undefined, 'again'],
    ]);
  });
});
