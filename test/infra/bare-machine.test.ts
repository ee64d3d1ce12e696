import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { findRedisServer } from '../../src/infra/redis-child.js';

/** A mocha run of the probe in a child process, with `env` over ours. */
function probe(env: NodeJS.ProcessEnv): { status: number | null; out: string } {
  const r = spawnSync('npx', ['mocha', '--no-config', '--import=tsx', '--timeout', '120000', '--exit', 'test/infra/fixtures/bare-probe.spec.ts'], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 240_000 });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

describe('npm test on a machine with nothing but Node', function () {
  this.timeout(300_000);
  const closedPg = 'postgres://postgres@127.0.0.1:1/postgres';

  it('starts an embedded PostgreSQL when nothing answers, and runs the queues on PostgreSQL without Redis, Redis-only tests pending with the reason', () => {
    const { status, out } = probe({ TEST_DATABASE_URL: closedPg, TEST_REDIS_URL: 'none' });
    assert.equal(status, 0, out);
    assert.match(out, /started an embedded PostgreSQL for this run/);
    assert.match(out, /probe: pg=127\.0\.0\.1:\d+ redis=false backend=postgres/);
    assert.doesNotMatch(out, /probe: pg=127\.0\.0\.1:1 /);
    assert.match(out, /1 passing/);
    assert.match(out, /1 pending/);
    assert.match(out, /reads Redis itself \[pending: TEST_REDIS_URL=none: queues on BullMQ's PostgreSQL backend\]/);
  });

  it('starts a private redis-server when Redis does not answer and one is on the PATH', function () {
    if (!findRedisServer()) this.skip();
    const { status, out } = probe({ TEST_REDIS_URL: 'redis://127.0.0.1:1' });
    assert.equal(status, 0, out);
    assert.match(out, /started a private redis-server/);
    assert.match(out, /redis=true backend=redis/);
    assert.match(out, /2 passing/);
  });
});

describe('npm install', () => {
  it('has an allowScripts entry for every installed package with an install script (npm prints no warning)', () => {
    const allowed = (JSON.parse(readFileSync('package.json', 'utf8')) as { allowScripts: Record<string, boolean> }).allowScripts;
    const missing: string[] = [];
    const visit = (dir: string) => {
      for (const name of readdirSync(dir)) {
        if (name.startsWith('.')) continue;
        if (name.startsWith('@')) {
          visit(path.join(dir, name));
          continue;
        }
        const pkgDir = path.join(dir, name);
        let pkg: { name?: string; scripts?: Record<string, string>; gypfile?: boolean };
        try {
          pkg = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
        } catch {
          continue;
        }
        const s = pkg.scripts ?? {};
        if ((s.preinstall || s.install || s.postinstall) && pkg.name && !(pkg.name in allowed)) missing.push(pkg.name);
        try {
          visit(path.join(pkgDir, 'node_modules'));
        } catch {
          /* no nested modules */
        }
      }
    };
    visit('node_modules');
    assert.deepEqual(missing, []);
  });
});
