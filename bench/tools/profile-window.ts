/**
 * Like profile-summary, but only over the busiest window of a V8 .cpuprofile
 * (the bench's measured phase, not start-up and idle): self time by package,
 * heaviest functions by self time, and by inclusive time (a function's samples
 * with it anywhere on the stack). Idle samples are left out of the shares.
 * `node --import tsx bench/tools/profile-window.ts FILE [SECONDS=8] [N=30] [FILTER]`
 * FILTER: only count stacks that contain a frame whose name or url includes it.
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
const [file, secondsArg = '8', top = '30', filter] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-window FILE [SECONDS] [N] [FILTER]');
const prof = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const isIdle = (id: number) => byId.get(id)?.callFrame.functionName === '(idle)';
// Start-up (module loading) is busy too: the window is chosen by samples outside it.
const loading = new Map<number, boolean>();
const isLoading = (id: number): boolean => {
  let v = loading.get(id);
  if (v === undefined) {
    const n = byId.get(id)!;
    const p = parent.get(id);
    v = n.callFrame.url.startsWith('node:internal/modules') || n.callFrame.functionName === 'evaluate' || (p !== undefined && isLoading(p));
    loading.set(id, v);
  }
  return v;
};
const counts = (id: number) => !isIdle(id) && !isLoading(id);
// Sample times.
const times: number[] = [];
let t = 0;
for (const d of prof.timeDeltas) times.push((t += d));
const win = Number(secondsArg) * 1e6;
// Busiest window: most non-idle time.
let best = 0, bestStart = 0, busy = 0, lo = 0;
for (let hi = 0; hi < times.length; hi++) {
  if (counts(prof.samples[hi]!)) busy += prof.timeDeltas[hi]!;
  while (times[hi]! - times[lo]! > win) {
    if (counts(prof.samples[lo]!)) busy -= prof.timeDeltas[lo]!;
    lo++;
  }
  if (busy > best) {
    best = busy;
    bestStart = lo;
  }
}
const label = (n: Node) => `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, '')}:${n.callFrame.lineNumber}`;
const pkgOf = (n: Node) => {
  const url = n.callFrame.url;
  return /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? (url.startsWith('node:') ? url : url ? url.replace(/^.*\/dist\//, '') : `(${n.callFrame.functionName || 'native'})`);
};
const self = new Map<string, number>();
const pkg = new Map<string, number>();
const incl = new Map<string, number>();
let total = 0;
for (let i = bestStart; i < times.length && times[i]! - times[bestStart]! <= win; i++) {
  const id = prof.samples[i]!;
  if (!counts(id)) continue;
  const d = prof.timeDeltas[i + 1] ?? prof.timeDeltas[i]!;
  const stack: Node[] = [];
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) stack.push(byId.get(cur)!);
  if (filter && !stack.some((n) => n.callFrame.functionName.includes(filter) || n.callFrame.url.includes(filter))) continue;
  total += d;
  const leaf = stack[0]!;
  self.set(label(leaf), (self.get(label(leaf)) ?? 0) + d);
  pkg.set(pkgOf(leaf), (pkg.get(pkgOf(leaf)) ?? 0) + d);
  for (const l of new Set(stack.map(label))) incl.set(l, (incl.get(l) ?? 0) + d);
}
const pct = (v: number) => `${((v / total) * 100).toFixed(1)}%`;
console.log(`busy ${(total / 1e6).toFixed(2)} s in the busiest ${secondsArg} s window${filter ? ` (stacks with ${filter})` : ''}`);
const show = (title: string, m: Map<string, number>) => {
  console.log(`\n${title}:`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) console.log(`  ${pct(v).padStart(6)}  ${k}`);
};
show('self by package/file', pkg);
show('self by function', self);
show('inclusive by function', incl);
