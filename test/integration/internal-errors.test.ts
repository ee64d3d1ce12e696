import assert from 'node:assert/strict';
import { pino } from 'pino';
import { startTestBureau, type TestBureau } from '../helpers/bureau.js';

describe('an unexpected failure', () => {
  let b: TestBureau;
  const lines: string[] = [];
  before(async () => {
    b = await startTestBureau({ log: pino({ level: 'error' }, { write: (line: string) => void lines.push(line) }) });
  });
  after(() => b.close());

  it('answers 500 INTERNAL without internals, and logs the cause with the request id', async () => {
    await b.db.query('alter table session rename to session_gone');
    try {
      const res = await fetch(`${b.url}/api/v1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'req-test-42' },
        body: JSON.stringify({ task: { action: 'login', data: { name: 'admin@acme.test', password: 'demo-password-for-tests' } } }),
      });
      assert.equal(res.status, 500);
      assert.equal(res.headers.get('x-request-id'), 'req-test-42');
      const body = await res.json();
      assert.deepEqual(body, { error: { code: 'INTERNAL', message: 'Internal error.' } });
    } finally {
      await b.db.query('alter table session_gone rename to session');
    }
    const logged = lines.map((l) => JSON.parse(l)).find((l) => l.requestId === 'req-test-42');
    assert.ok(logged, 'the failure was logged with the request id');
    assert.match(JSON.stringify(logged.err), /session/);
    assert.ok(!lines.join('').includes('demo-password-for-tests'), 'no password in the log');
  });
});
