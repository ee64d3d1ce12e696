import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

describe('README configuration table', () => {
  it('documents every environment variable config.ts reads', () => {
    const source = readFileSync('src/config.ts', 'utf8');
    const names = new Set([...source.matchAll(/env(?:\.|, ')([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]!));
    const readme = readFileSync('README.md', 'utf8');
    assert.ok(names.size > 10);
    for (const name of names) assert.match(readme, new RegExp(`\`${name}\``), `README.md does not mention ${name}`);
  });
});
