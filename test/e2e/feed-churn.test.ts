import assert from 'node:assert/strict';
import { pickFreePort } from '../../src/infra/free-port.js';
import { formatChurn, runChurn } from '../chaos/churn.js';
import { startTestBureau, type TestBureau } from '../helpers/bureau.js';
import { procEnv, spawnProc, waitForPing, type Proc } from '../helpers/procs.js';

/**
 * The feed under churn (fast version; `npm run chaos` runs 50 clients): clients
 * of six users in two tenants drop their websocket every 1-3 s and resume on the
 * other of two web processes (this one and a Procfile `web`), while results and
 * notices flow. Each must get its user's entries exactly once, in order, as
 * stored, and nothing of anyone else.
 */
describe('the feed under churn (12 clients, 2 web processes)', () => {
  let b: TestBureau;
  let web2: Proc;
  let url2: string;
  before(async function () {
    this.timeout(120_000);
    b = await startTestBureau();
    const port = await pickFreePort();
    url2 = `http://127.0.0.1:${port}`;
    web2 = spawnProc('web', procEnv({ databaseUrl: b.config.databaseUrl, redisUrl: b.config.redisUrl, prefix: b.config.queuePrefix, port }));
    await waitForPing(url2);
  });
  after(async function () {
    this.timeout(60_000);
    await web2?.stop();
    await b?.close();
  });

  it('delivers every entry of a user to each of its clients once, in order, and nothing else', async function () {
    this.timeout(240_000);
    const users = [];
    for (const email of ['admin@acme.test', 'compliance1@acme.test', 'service1@acme.test', 'admin@globex.test', 'compliance2@globex.test', 'service2@globex.test']) {
      const token = await b.login(email);
      const { rows } = await b.db.query(`select u.id, u.role, (select min(c.id) from customer c where c.tenant_id = u.tenant_id) as cid from app_user u where email = $1`, [email]);
      users.push({ email, token, id: rows[0].id, role: rows[0].role, cid: rows[0].cid });
    }
    const report = await runChurn({ webs: [b.url, url2], db: b.db, users, clients: 12, produceMs: 12_000, settleMs: 120_000 });
    if (report.problems.length || process.env.CHAOS_VERBOSE) console.log(formatChurn(report));
    assert.ok(report.crossWebResumes > 12, 'clients resumed on the other web process');
    assert.ok(report.expected > 100, `results flowed (${report.expected} entries)`);
    assert.equal(report.missing, 0);
    assert.equal(report.duplicates, 0);
    assert.equal(report.outOfOrder, 0);
    assert.equal(report.foreign, 0);
    assert.equal(report.mismatched, 0);
    assert.equal(report.delivered, report.expected);
    assert.deepEqual(report.problems, []);
  });
});
