import { promises as fs } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, processesIn, processInfo, SHUTDOWN_STEPS, terminate } from './embedded-postgres-processes.js';

// Backends of a SIGKILLed postmaster notice its death and exit on their own, usually within a second.
const ORPHAN_BACKEND_GRACE_MS = 10_000;

/**
 * Makes sure a `postmaster.pid` left by an earlier run cannot block startup,
 * without ever defeating the lock's real purpose: two sets of postgres
 * processes must never share one data directory.
 *
 * postgres ignores a lock file whose pid is dead (after checking that no old
 * backend still holds its shared memory), but refuses to start when that pid
 * is alive. That happens when (a) our previous process was SIGKILLed and its
 * postmaster lives on as an orphan, or (b) the recorded pid now belongs to an
 * unrelated process (pids are reused, notably after a container restart).
 *
 * Every postgres process runs with the data directory as its cwd, so /proc
 * tells us exactly who still uses it. In (a) we stop the orphan; a postmaster
 * whose parent is a live node process belongs to another running instance and
 * we refuse instead. In (b), once nothing runs in the directory, the lock is
 * provably stale and we delete it. Leftover backends of a killed postmaster
 * get a moment to notice and exit. Without /proc (non-Linux) we leave it all
 * to postgres.
 */
export async function reclaimPostmasterLock(dataDir: string, log: (msg: string) => void): Promise<void> {
  const pid = await readPostmasterPid(dataDir);
  if (pid === undefined) return;
  let users = await processesIn(dataDir);
  if (users === undefined) return;

  if (users.includes(pid)) {
    const info = await processInfo(pid);
    if (info === undefined) return reclaimPostmasterLock(dataDir, log); // it just exited; look again
    const parent = info.ppid > 1 ? await processInfo(info.ppid) : undefined;
    if (parent !== undefined && path.basename(parent.cmdline[0] ?? '') === 'node') {
      throw new Error(
        `postgres (pid ${pid}) is already running on ${dataDir}, started by live process ${info.ppid}; ` +
          'stop that instance first or use another data directory',
      );
    }
    log(`stopping orphaned postgres (pid ${pid}) left on ${dataDir} by an earlier run`);
    await terminate(pid, SHUTDOWN_STEPS, log);
    users = await processesIn(dataDir);
  }

  const deadline = Date.now() + ORPHAN_BACKEND_GRACE_MS;
  while (users !== undefined && users.length > 0) {
    if (Date.now() >= deadline) {
      throw new Error(`processes ${users.join(', ')} still run in ${dataDir} although its postmaster is gone; refusing to start`);
    }
    await sleep(100);
    users = await processesIn(dataDir);
  }
  // No postgres runs in the directory now, so a live pid in the lock file is someone else (or a zombie).
  const stale = await readPostmasterPid(dataDir);
  if (stale !== undefined && isAlive(stale)) {
    log(`removing stale postmaster.pid in ${dataDir} (pid ${stale} is no postgres of this directory)`);
    await fs.rm(path.join(dataDir, 'postmaster.pid'), { force: true });
  }
}

async function readPostmasterPid(dataDir: string): Promise<number | undefined> {
  try {
    const first = (await fs.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0] ?? '';
    const pid = Number.parseInt(first, 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
