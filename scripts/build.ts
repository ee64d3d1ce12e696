import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm run build`: compiles src/, workers/, migrations/ and fixtures/ to dist/
 * with tsc (tsconfig.build.json) and copies the files the code reads beside
 * itself (console page and styles, invitation assets, mail templates); the
 * console's compiled modules are bundled by esbuild on first request as the
 * sources are. The Procfile runs dist/; `npm start` and the
 * tests run the sources with tsx.
 *
 * `--if-stale` builds only when a source is newer than the last build (what
 * `npm run web`, the Procfile-spawning tests and the bench call).
 */
const ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const SOURCES = ['src', 'workers', 'migrations', 'fixtures'];
const STAMP = path.join(ROOT, 'dist', '.built');
/** Files other than TypeScript that the code reads at run time, relative to its own module. */
const ASSET = /\.(html|css|svg|txt|js)$/;

function newestSource(): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of SOURCES) walk(path.join(ROOT, d));
  for (const f of ['tsconfig.json', 'tsconfig.build.json', 'package.json']) newest = Math.max(newest, statSync(path.join(ROOT, f)).mtimeMs);
  return newest;
}

export function isStale(): boolean {
  return !existsSync(STAMP) || statSync(STAMP).mtimeMs < newestSource();
}

export function build(): void {
  const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
  if (tsc.status !== 0) throw new Error(`tsc failed (${tsc.status ?? tsc.signal})`);
  for (const d of SOURCES) {
    cpSync(path.join(ROOT, d), path.join(ROOT, 'dist', d), {
      recursive: true,
      filter: (src) => statSync(src).isDirectory() || ASSET.test(src),
    });
  }
  writeFileSync(STAMP, new Date().toISOString() + '\n');
}

/** Builds when stale; for callers that are about to run the Procfile's commands. */
export function ensureBuilt(): void {
  if (isStale()) build();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--if-stale')) ensureBuilt();
  else build();
}
