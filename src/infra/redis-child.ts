/**
 * A `redis-server` run as our child process, for development and tests, with
 * an append-only file in a directory of ours so queue data survives restarts.
 *
 * Contract:
 *  - Listens on 127.0.0.1 only, without a password; never expose it.
 *  - `stop()` is idempotent; it sends SIGTERM (redis then fsyncs the AOF and
 *    exits), escalates to SIGKILL after 5 s, and resolves once the child has
 *    exited and been reaped.
 *  - The child is not detached, so it shares our process group: a terminal
 *    Ctrl-C reaches redis-server at the same moment as us and it shuts down on
 *    its own (SIGINT is a graceful shutdown for redis too), which stop()
 *    tolerates. A SIGTERM sent only to our pid (kill, docker stop, systemd)
 *    does not reach it, so the parent MUST call stop() from its SIGINT and
 *    SIGTERM handlers. If our process ends through process.exit() or a crash,
 *    an `exit` hook sends SIGTERM as a last resort.
 *  - If our process dies without running any JavaScript (SIGKILL, OOM kill),
 *    Linux still delivers SIGTERM to redis when `setpriv --pdeathsig` is
 *    available (util-linux). The parent death signal fires when the *thread*
 *    that spawned the child ends, so call this from the main thread, not from
 *    a worker_thread. Where it is missing, the next start on the same data
 *    directory finds the orphan and stops it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, statSync, promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { pickFreePort } from './free-port.js';

export interface RedisChildOptions {
  /** Holds the append-only files (created if missing). */
  dataDir: string;
  /** TCP port on 127.0.0.1; a free one is picked when omitted. */
  port?: number;
  /** Path of redis-server; defaults to the one on PATH. */
  binary?: string;
  /** Receives redis-server's output and our own notices, one line per call. */
  log?: (msg: string) => void;
}

export interface RedisChildHandle {
  /** `redis://127.0.0.1:PORT` */
  url: string;
  pid: number;
  stop: () => Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;
const PING_TIMEOUT_MS = 1_000;
const TERM_GRACE_MS = 5_000;
const LOG_TAIL_LINES = 30;
// Only for a port we picked ourselves: someone may grab it between our probe and redis binding it.
const PORT_ATTEMPTS = 3;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Absolute path of the first executable `redis-server` on PATH, or null. */
export function findRedisServer(): string | null {
  return findOnPath('redis-server');
}

export async function startRedisChild(opts: RedisChildOptions): Promise<RedisChildHandle> {
  const log = opts.log ?? (() => {});
  const binary = opts.binary ?? findRedisServer();
  if (binary === null) throw new Error('redis-server not found on PATH; install it or pass `binary`');
  // redis chdirs into --dir; an absolute path keeps the AOF where we expect it.
  const dataDir = path.resolve(opts.dataDir);
  await fs.mkdir(dataDir, { recursive: true });
  await reclaimOrphan(dataDir, log);

  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await pickFreePort());
    try {
      return await launch(binary, dataDir, port, log);
    } catch (err) {
      const portTaken = err instanceof Error && /address already in use/i.test(err.message);
      if (opts.port !== undefined || !portTaken || attempt >= PORT_ATTEMPTS) throw err;
      log(`port ${port} was taken before redis-server could bind it; retrying with another`);
    }
  }
}

/** redis-server children that are running and not yet stopped, for the `exit` hook. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

async function launch(binary: string, dataDir: string, port: number, log: (msg: string) => void): Promise<RedisChildHandle> {
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--appendonly', 'yes',
    '--appendfsync', 'everysec',
    '--dir', dataDir,
    '--save', '',
    '--daemonize', 'no',
  ];
  const setpriv = process.platform === 'linux' ? findOnPath('setpriv') : null;
  // setpriv sets PR_SET_PDEATHSIG and then execs redis-server, so the pid stays the same.
  const child = setpriv
    ? spawn(setpriv, ['--pdeathsig', 'TERM', '--', binary, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: false })
    : spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: false });

  const tail: string[] = [];
  const onOutput = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split(/\r?\n/)) {
      if (line.trim() === '') continue;
      tail.push(line);
      if (tail.length > LOG_TAIL_LINES) tail.shift();
      log(line);
    }
  };
  // Keep draining both pipes for the child's whole life: redis blocks once a full pipe stops being read.
  child.stdout?.on('data', onOutput);
  child.stderr?.on('data', onOutput);

  const withTail = (message: string) => new Error(`${message}\n--- last redis-server output ---\n${tail.join('\n')}`);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const spawnFailed = new Promise<never>((_, reject) => {
    // `on`, not `once`: a later failed kill() also emits `error`, which must not go unhandled.
    child.on('error', (err) => reject(new Error(`could not start ${setpriv ?? binary}: ${err.message}`)));
  });
  const exitedEarly = exited.then(({ code, signal }) => {
    throw withTail(`redis-server exited during startup (code ${code ?? 'null'}, signal ${signal ?? 'null'}, port ${port})`);
  });
  const stillRunning = () => child.exitCode === null && child.signalCode === null;
  const ready = waitForPong(port, READY_TIMEOUT_MS, stillRunning).then((ok) => {
    if (!ok && stillRunning()) throw withTail(`redis-server did not answer PING on port ${port} within ${READY_TIMEOUT_MS} ms`);
  });
  // The losers of the race below may still reject later (exitedEarly does after every
  // normal stop); that must not surface as an unhandled rejection.
  for (const p of [spawnFailed, exitedEarly, ready]) p.catch(() => {});

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.pid === undefined) return; // never started, so no `exit` will come
      if (stillRunning()) child.kill('SIGTERM');
      const escalate = setTimeout(() => {
        if (!stillRunning()) return;
        log(`redis-server (pid ${child.pid}) ignored SIGTERM for ${TERM_GRACE_MS} ms, sending SIGKILL`);
        child.kill('SIGKILL');
      }, TERM_GRACE_MS);
      await exited;
      clearTimeout(escalate);
    })();
    return stopping;
  };

  try {
    await Promise.race([
      spawnFailed,
      exitedEarly,
      ready,
    ]);
  } catch (err) {
    await stop();
    throw err;
  }

  // Checked by the race above: a child without a pid emits `error`.
  const pid = child.pid as number;
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Only synchronous work is possible here; redis finishes its shutdown on its own.
    process.on('exit', () => {
      for (const c of running) c.kill('SIGTERM');
    });
  }
  return { url: `redis://127.0.0.1:${port}`, pid, stop };
}

/** Polls with raw PINGs until `+PONG`; `-LOADING` (AOF replay) counts as not ready yet. */
async function waitForPong(port: number, timeoutMs: number, keepTrying: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && keepTrying()) {
    if (await ping(port)) return true;
    await sleep(50);
  }
  return false;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let reply = '';
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(PING_TIMEOUT_MS, () => finish(false));
    socket.once('error', () => finish(false));
    // A peer that hangs up without answering (not redis, or redis going down) ends here.
    socket.once('close', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
  });
}

/**
 * Stops a redis-server that an earlier, SIGKILLed run of ours left behind on
 * `dataDir`: two servers appending to the same AOF would corrupt it. redis
 * chdirs into its --dir, so /proc tells us who uses the directory. A server
 * whose parent is a live node process belongs to another running instance and
 * we refuse instead. Without /proc (non-Linux) we cannot tell and go ahead.
 */
async function reclaimOrphan(dataDir: string, log: (msg: string) => void): Promise<void> {
  let entries: string[];
  try {
    entries = await fs.readdir('/proc');
  } catch {
    return;
  }
  const real = await fs.realpath(dataDir);
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    let cwd: string;
    let comm: string;
    let stat: string;
    try {
      [cwd, comm, stat] = await Promise.all([
        fs.readlink(`/proc/${pid}/cwd`),
        fs.readFile(`/proc/${pid}/comm`, 'utf8'),
        fs.readFile(`/proc/${pid}/stat`, 'utf8'),
      ]);
    } catch {
      continue; // gone, or not ours to inspect
    }
    if (cwd !== real || comm.trim() !== 'redis-server') continue;

    // stat is "pid (comm) state ppid ..."; comm may itself contain spaces and parentheses.
    const ppid = Number.parseInt(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] ?? '', 10);
    const parentComm = ppid > 1 ? await fs.readFile(`/proc/${ppid}/comm`, 'utf8').catch(() => '') : '';
    if (parentComm.trim() === 'node') {
      throw new Error(
        `redis-server (pid ${pid}) is already running on ${dataDir}, started by live process ${ppid}; ` +
          'stop that instance first or use another data directory',
      );
    }
    log(`stopping orphaned redis-server (pid ${pid}) left on ${dataDir} by an earlier run`);
    await killAndWait(pid);
  }
}

async function killAndWait(pid: number): Promise<void> {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return; // already gone
    }
    const deadline = Date.now() + TERM_GRACE_MS;
    while (Date.now() < deadline) {
      if (await isGone(pid)) return;
      await sleep(50);
    }
  }
  throw new Error(`redis-server (pid ${pid}) survived SIGKILL`);
}

/** Dead, or a zombie its new parent (often a lazy pid 1 in containers) has yet to reap. */
async function isGone(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
}

function findOnPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.resolve(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, fsConstants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

