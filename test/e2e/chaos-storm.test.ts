import assert from 'node:assert/strict';
import { findRedisServer } from '../../src/infra/redis-child.js';
import { formatReport, runStorm } from '../chaos/storm.js';

/*
 * The fast crash storm (the full one is `npm run chaos`): bureau's Procfile
 * processes on a PostgreSQL and a Redis of their own, 1k actions from 16
 * clients, one SIGKILLed worker, one SIGKILLed Redis (appendonly, fsync every
 * second), one immediate-mode PostgreSQL restart, one FLUSHALL of Redis
 * (every job gone: the reconciler must find them) and one SIGTERMed web
 * process, each restarted. Invitation sends are in the mix, their emails
 * counted at an SMTP sink. Every accepted task must reach one final state and
 * every effect, counted in the domain tables, must be there once.
 */
describe('the crash storm (fast: 1k actions, one blow of each kind)', () => {
  // The storm kills and restarts a redis-server of its own.
  (findRedisServer() ? it : (title: string) => it(`${title} [pending: no redis-server on the PATH]`))('loses nothing and applies nothing twice', async function () {
    this.timeout(600_000);
    const report = await runStorm({
      actions: 1000,
      clients: 16,
      backend: 'redis',
      workerKillEveryMs: 2000,
      maxWorkerKills: 1,
      redisKillAt: 0.25,
      pgRestartAt: 0.5,
      redisFlushAt: 0.65,
      webRestartAt: 0.8,
      settleMs: 240_000,
      log: process.env.CHAOS_VERBOSE ? (l) => console.log(l) : undefined,
    });
    if (!report.ok || process.env.CHAOS_VERBOSE) console.log(formatReport(report));
    assert.equal(report.unfinished, 0, 'every accepted task reached a final state');
    assert.equal(report.lost, 0);
    assert.equal(report.duplicates, 0);
    assert.ok(report.succeeded > 500, `most tasks succeed (${report.succeeded})`);
    assert.ok(report.reconciled > 0, 'after the flush the reconciler put jobs back');
    // Only what the flush took (plus a Redis kill's last AOF second): not each lost job once per overlapping pass.
    assert.ok(report.reconciled <= report.reconcileExpected * 1.5 + 50, `re-enqueued ${report.reconciled}, unfinished at the flush ${report.reconcileExpected}`);
    assert.deepEqual(report.problems, []);
  });
});
