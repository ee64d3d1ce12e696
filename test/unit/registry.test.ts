import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { z } from 'zod';
import { buildRegistry } from '../../src/actions.js';
import { defineAction, defineInlineAction } from '../../src/core/define-action.js';
import { Registry } from '../../src/core/registry.js';
import { ERROR_CATALOGUE } from '../../src/core/errors.js';
import { domains } from '../../src/domains.js';
import { actionsMarkdown, errorsMarkdown } from '../../src/docs/generate.js';
import { migrationsList } from '../../migrations/index.js';

const registry = buildRegistry();
const procfile = Object.fromEntries(
  readFileSync('Procfile', 'utf8')
    .split('\n')
    .filter((l) => l.includes(':'))
    .map((l) => [l.slice(0, l.indexOf(':')).trim(), l.slice(l.indexOf(':') + 1).trim()]),
);

describe('the action registry (contract)', () => {
  for (const action of registry.list()) {
    describe(action.name, () => {
      it('names the roles that may run it', () => {
        assert.ok(action.roles === 'public' || Array.isArray(action.roles));
        if (Array.isArray(action.roles)) for (const r of action.roles) assert.ok(domains.roles.includes(r), `unknown role ${r}`);
        if (action.mode === 'queued' && !action.internal) assert.ok(action.roles !== 'public' && action.roles.length > 0, 'a queued public action needs roles');
      });

      it('runs on a worker kind the Procfile starts, or inline in web', () => {
        if (action.mode === 'inline') return assert.ok(procfile.web, 'Procfile has no web line');
        const kinds = action.worker === 'caller' ? (action.roles === 'public' ? [] : action.roles).map((r) => domains.queueOfRole(r)!) : [action.worker];
        for (const k of kinds) assert.ok(procfile[k], `Procfile has no line for worker kind ${k}`);
      });

      it('has an example that its own schema accepts', () => {
        const r = action.input.safeParse(action.example);
        assert.ok(r.success, JSON.stringify(r.error?.issues));
      });

      it('has a summary and an entry in docs/actions.md', () => {
        assert.ok(action.summary.length > 10);
        assert.match(readFileSync('docs/actions.md', 'utf8'), new RegExp(`^## ${action.name}$`, 'm'));
      });
    });
  }

  it('has docs/actions.md and docs/errors.md exactly as `npm run docs` generates them', () => {
    assert.equal(readFileSync('docs/actions.md', 'utf8'), actionsMarkdown(registry), 'run `npm run docs`');
    assert.equal(readFileSync('docs/errors.md', 'utf8'), errorsMarkdown(), 'run `npm run docs`');
  });

  it('documents every error code of the catalogue', () => {
    const doc = readFileSync('docs/errors.md', 'utf8');
    for (const code of Object.keys(ERROR_CATALOGUE)) assert.match(doc, new RegExp(`\`${code}\``));
  });

  it('has a Procfile line for every worker kind and for release', () => {
    for (const k of [...domains.workerKinds, 'web', 'release']) assert.ok(procfile[k], `Procfile lacks ${k}`);
  });

  it('lists every migration file in migrations/index.ts, in order', () => {
    const files = readdirSync('migrations').filter((f) => /^Migration\d+\.ts$/.test(f)).map((f) => f.replace(/\.ts$/, '')).sort();
    assert.deepEqual(migrationsList.map((m) => m.name), files);
  });

  it('refuses a queued action whose input takes a password or token (its input is copied into its job), and allows an inline one', () => {
    const shape = (field: string) => z.strictObject({ [field]: z.string() });
    const queued = (field: string) => defineAction({ name: 'q', summary: 'test action', roles: ['admin'], worker: 'admin', access: { ids: {}, owner: 'tenant' }, input: shape(field), example: { [field]: 'x' }, handler: async () => null });
    for (const field of ['password', 'new_password', 'token', 'resetToken', 'api_secret']) {
      assert.throws(() => new Registry([queued(field)], () => undefined, 'system'), new RegExp(`"${field}" looks like a secret`));
    }
    for (const field of ['name', 'passport_number', 'email']) assert.doesNotThrow(() => new Registry([queued(field)], () => undefined, 'system'));
    const inline = defineInlineAction({ name: 'i', summary: 'test action', roles: 'public', access: { ids: {}, owner: 'tenant' }, input: shape('password'), example: { password: 'x' }, handler: async () => null });
    assert.doesNotThrow(() => new Registry([inline], () => undefined, 'system'));
  });
});
