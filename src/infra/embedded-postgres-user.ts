/**
 * The `postgres` system user that the server runs as when we are root
 * (postgres refuses to run as root).
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

export const POSTGRES_USER = 'postgres';

const execFileAsync = promisify(execFile);

/**
 * As root, an existing cluster needs a `postgres` user that owns it. A fresh
 * container with a persisted volume may lack the user (the package only
 * creates it in initialise()) or have it under a different uid.
 */
export async function ensurePostgresUserOwns(dataDir: string, log: (msg: string) => void): Promise<void> {
  let uid = await userId(POSTGRES_USER);
  if (uid === undefined) {
    log(`creating system user "${POSTGRES_USER}" to run postgres`);
    await execFileAsync('groupadd', [POSTGRES_USER]).catch(() => undefined); // the group may exist already
    await execFileAsync('useradd', ['-g', POSTGRES_USER, POSTGRES_USER]);
    uid = await userId(POSTGRES_USER);
  }
  if (uid === undefined) throw new Error(`could not create the "${POSTGRES_USER}" user postgres must run as`);
  const stat = await fs.stat(dataDir);
  if (stat.uid !== uid) {
    log(`chowning ${dataDir} to "${POSTGRES_USER}" (uid ${uid}, was ${stat.uid})`);
    await execFileAsync('chown', ['-R', `${POSTGRES_USER}:${POSTGRES_USER}`, dataDir]);
  }
}

async function userId(name: string): Promise<number | undefined> {
  try {
    const { stdout } = await execFileAsync('id', ['-u', name]);
    return Number.parseInt(stdout, 10);
  } catch {
    return undefined;
  }
}

/** The first existing ancestor of `dir` that others cannot search, if any. */
export async function unsearchableAncestor(dir: string): Promise<string | undefined> {
  for (let current = path.dirname(dir); ; current = path.dirname(current)) {
    const stat = await fs.stat(current).catch(() => undefined);
    if (stat && (stat.mode & 0o001) === 0) return current;
    if (current === path.dirname(current)) return undefined;
  }
}
