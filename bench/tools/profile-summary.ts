/**
 * Summarises a V8 .cpuprofile (from `npm run bench -- --profile`): self time by
 * package / file and the heaviest functions. `node --import tsx bench/tools/profile-summary.ts FILE [N]`
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
const [file, top = '25'] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary FILE [N]');
const prof = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const self = new Map<number, number>();
prof.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const byPkg = new Map<string, number>();
const byFn = new Map<string, number>();
for (const n of prof.nodes) {
  const t = self.get(n.id) ?? 0;
  if (!t) continue;
  const url = n.callFrame.url;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? (url.startsWith('node:') ? url : url ? url.replace(/^.*\/main\//, '') : `(${n.callFrame.functionName || 'native'})`);
  byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + t);
  const fn = `${n.callFrame.functionName || '(anon)'} ${url.replace(/^.*node_modules\//, '').replace(/^.*\/main\//, '')}:${n.callFrame.lineNumber}`;
  byFn.set(fn, (byFn.get(fn) ?? 0) + t);
}
const pct = (v: number) => `${((v / total) * 100).toFixed(1)}%`;
console.log(`total ${(total / 1e6).toFixed(2)} s sampled`);
console.log('\nby package/file:');
for (const [k, v] of [...byPkg].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) console.log(`  ${pct(v).padStart(6)}  ${k}`);
console.log('\nheaviest functions (self):');
for (const [k, v] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) console.log(`  ${pct(v).padStart(6)}  ${k}`);
