import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { ensureBuilt } from '../../scripts/build.js';
import { pickFreePort } from '../../src/infra/free-port.js';
import { TEST_REDIS } from '../helpers/bureau.js';
import { procEnv, readProcfile, spawnProc, testDatabase, until, waitForPing, type Proc } from '../helpers/procs.js';

describe('the production build (npm run build -> dist/)', function () {
  this.timeout(180_000);

  it('is what the Procfile runs: compiled JavaScript, no tsx', () => {
    for (const [name, cmd] of readProcfile()) {
      assert.match(cmd, /^node dist\/\S+\.js$/, `${name}: ${cmd} (a worker kind's line is \`<kind>: node dist/workers/<kind>.worker.js\`)`);
      assert.doesNotMatch(cmd, /tsx/);
    }
    const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
    assert.match(scripts.web!, /node dist\/src\/server\.js$/);
    assert.match(scripts.worker!, /node dist\/workers\/all\.worker\.js$/);
    assert.match(scripts.start!, /tsx src\/start\.ts/, 'npm start runs the sources: no build step');
  });

  it('serves the API and the console from dist/ (the console bundled from the compiled modules)', async () => {
    ensureBuilt();
    for (const [, cmd] of readProcfile()) assert.ok(existsSync(cmd.split(' ')[1]!), `${cmd} was built`);
    const store = await testDatabase();
    const port = await pickFreePort();
    let web: Proc | null = null;
    let worker: Proc | null = null;
    try {
      const lines: string[] = [];
      web = spawnProc('web', procEnv({ databaseUrl: store.url, redisUrl: TEST_REDIS, prefix: store.prefix, port }, { LOG_LEVEL: 'info' }), { onLine: (l) => (lines.push(l), true) });
      const url = `http://127.0.0.1:${port}`;
      await waitForPing(url);
      assert.ok(lines.some((l) => l.includes(`console at http://localhost:${port}/console/`)), `the web process prints the console URL: ${lines.join('\n')}`);
      const page = await fetch(`${url}/console/`);
      assert.equal(page.status, 200);
      const app = await fetch(`${url}/console/app.js`);
      assert.equal(app.status, 200);
      assert.match(await app.text(), /WebSocket/);
      const doc = await fetch(`${url}/api/v1/openapi.json`);
      assert.equal(((await doc.json()) as { openapi: string }).openapi, '3.1.0');
      const accept = await fetch(`${url}/i/assets/accept.js`);
      assert.equal(accept.status, 200);
      assert.match(await (await fetch(`${url}/metrics`)).text(), /bureau_http_requests_total\{method="GET",route="\/console\/",status="200"\} 1/);

      // A worker process serves its metrics on METRICS_PORT.
      const metricsPort = await pickFreePort();
      worker = spawnProc('admin', procEnv({ databaseUrl: store.url, redisUrl: TEST_REDIS, prefix: store.prefix }, { METRICS_PORT: String(metricsPort) }));
      let scraped = '';
      await until(async () => (scraped = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()).length > 0, 60_000, 'the worker\'s /metrics');
      assert.match(scraped, /bureau_queue_jobs\{queue="admin",state="waiting"\} \d+/);
      assert.match(scraped, /process_cpu_user_seconds_total/);
    } finally {
      await worker?.stop();
      await web?.stop();
      await store.drop();
    }
  });
});
