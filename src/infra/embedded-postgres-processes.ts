/**
 * Signals and /proc for the embedded postgres: stopping a postmaster by pid
 * with escalating signals, and finding out which postgres processes run where.
 */
import { promises as fs } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

// A fast shutdown waits for a checkpoint; give it time before escalating.
export const FAST_SHUTDOWN_GRACE_MS = 30_000;
const IMMEDIATE_SHUTDOWN_GRACE_MS = 5_000;
// SIGINT = fast shutdown, SIGQUIT = immediate shutdown (crash recovery on next start).
export const SHUTDOWN_STEPS = [
  ['SIGINT', FAST_SHUTDOWN_GRACE_MS],
  ['SIGQUIT', IMMEDIATE_SHUTDOWN_GRACE_MS],
  ['SIGKILL', IMMEDIATE_SHUTDOWN_GRACE_MS],
] as const satisfies ReadonlyArray<readonly [NodeJS.Signals, number]>;

/**
 * Sends each signal in turn until `pid` is gone, waiting its grace period in
 * between; resolves once the process no longer exists.
 */
export async function terminate(pid: number, steps: ReadonlyArray<readonly [NodeJS.Signals, number]>, log: (msg: string) => void): Promise<void> {
  for (const [signal, graceMs] of steps) {
    if (!isAlive(pid)) return;
    if (signal !== 'SIGINT') log(`postgres (pid ${pid}) still running, sending ${signal}`);
    try {
      process.kill(pid, signal);
    } catch {
      return; // it exited in between
    }
    if (await waitForExit(pid, graceMs)) return;
  }
  throw new Error(`postgres (pid ${pid}) survived SIGKILL`);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Resolves true once `pid` is dead or a zombie (an orphan's new parent, often a lazy pid 1, may reap it late). */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && !(await isZombie(pid))) {
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
  return true;
}

async function isZombie(pid: number): Promise<boolean> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
}

/** Pids of postgres processes (postmaster or backends) whose cwd is `dir`; undefined where /proc is unavailable. */
export async function processesIn(dir: string): Promise<number[] | undefined> {
  let entries: string[];
  try {
    entries = await fs.readdir('/proc');
  } catch {
    return undefined;
  }
  const real = await fs.realpath(dir);
  const pids = entries.filter((name) => /^\d+$/.test(name)).map(Number);
  const found = await Promise.all(
    pids.map(async (pid) => {
      try {
        const [cwd, comm] = await Promise.all([fs.readlink(`/proc/${pid}/cwd`), fs.readFile(`/proc/${pid}/comm`, 'utf8')]);
        return cwd === real && comm.trim() === 'postgres';
      } catch {
        return false; // gone, or not ours to inspect
      }
    }),
  );
  return pids.filter((_, i) => found[i]);
}

/** argv and parent pid from /proc; undefined where /proc is unavailable or the process is gone. */
export async function processInfo(pid: number): Promise<{ cmdline: string[]; ppid: number } | undefined> {
  try {
    const [cmdline, stat] = await Promise.all([
      fs.readFile(`/proc/${pid}/cmdline`, 'utf8'),
      fs.readFile(`/proc/${pid}/stat`, 'utf8'),
    ]);
    // stat is "pid (comm) state ppid ..."; comm may itself contain spaces and parentheses.
    const ppid = Number.parseInt(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] ?? '', 10);
    return { cmdline: cmdline.split('\0').filter(Boolean), ppid };
  } catch {
    return undefined;
  }
}
