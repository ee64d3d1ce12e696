import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A child process of the bench, in its own process group (so stopping it stops
 * whatever it started), its output kept in a log file.
 */
export interface Proc {
  name: string;
  child: ChildProcess;
  pid: number;
  /** Resolves when a stdout/stderr line matches. */
  waitFor(pattern: RegExp, ms?: number): Promise<void>;
  stop(): Promise<void>;
  exited: Promise<number | null>;
}

const live = new Set<Proc>();

export function spawnProc(name: string, args: string[], env: NodeJS.ProcessEnv, logDir: string): Proc {
  mkdirSync(logDir, { recursive: true });
  const out = createWriteStream(path.join(logDir, `${name}.log`));
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const watchers = new Set<(line: string) => void>();
  let buffer = '';
  const onData = (chunk: Buffer) => {
    out.write(chunk);
    buffer += chunk.toString('utf8');
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const l of lines) for (const w of [...watchers]) w(l);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const proc: Proc = {
    name,
    child,
    pid: child.pid!,
    exited,
    waitFor(pattern, ms = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          watchers.delete(w);
          reject(new Error(`${name}: no line matching ${pattern} within ${ms} ms (see ${logDir}/${name}.log)`));
        }, ms);
        const w = (line: string) => {
          if (!pattern.test(line)) return;
          clearTimeout(timer);
          watchers.delete(w);
          resolve();
        };
        watchers.add(w);
        void exited.then((code) => {
          clearTimeout(timer);
          if (watchers.delete(w)) reject(new Error(`${name} exited (${code}) before printing ${pattern} (see ${logDir}/${name}.log)`));
        });
      });
    },
    async stop() {
      live.delete(proc);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const done = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 25_000))]);
      try {
        process.kill(-child.pid!, done ? 'SIGTERM' : 'SIGKILL');
      } catch {
        /* the group is gone */
      }
      if (!done) await exited;
      out.end();
    },
  };
  live.add(proc);
  return proc;
}

/** Stops every process the bench started and has not stopped yet (on errors and signals). */
export async function stopAll(): Promise<void> {
  await Promise.allSettled([...live].map((p) => p.stop()));
}

/** Resident set size of a process and its descendants' sum, in KiB (Linux /proc). */
export function rssKiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** The fields of `/proc/PID/stat` after the command name (field 3 onwards), or null when the process is gone. */
function statFields(pid: number | string): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

const TICK_MS = 1000 / 100;

/** CPU time (user + system, ms) a process has used so far (Linux /proc). */
export function cpuMs(pid: number): number {
  const f = statFields(pid);
  return f ? (Number(f[11]) + Number(f[12])) * TICK_MS : 0;
}

/** CPU time (ms) the children a process has reaped used (cutime + cstime): a postmaster's autovacuum workers and closed backends. */
function reapedCpuMs(pid: number): number {
  const f = statFields(pid);
  return f ? (Number(f[13]) + Number(f[14])) * TICK_MS : 0;
}

/** CPU time (ms) of a process and all of its children, live or reaped (a postmaster, its backends and its autovacuum workers). */
export function treeCpuMs(root: number): number {
  let total = cpuMs(root) + reapedCpuMs(root);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if (Number(statFields(entry)?.[1]) === root) total += cpuMs(Number(entry));
  }
  return total;
}
