import type { Logger } from './infra/logger.js';

/**
 * Runs `stop` once on SIGINT/SIGTERM, then exits. A second signal exits at once.
 * In-flight HTTP requests and jobs get `graceMs` to finish.
 */
export function onShutdown(log: Logger, stop: () => Promise<void>, graceMs = 20_000): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, graceMs);
    force.unref();
    stop()
      .then(() => process.exit(0))
      .catch((err: Error) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/** Services the process needs but does not own must be configured. */
export function requireUrls(config: { databaseUrl: string; redisUrl: string; queueBackend: string }): void {
  if (!config.databaseUrl) throw new Error('DATABASE_URL is required (or run `npm start` for the embedded default).');
  if (config.queueBackend === 'redis' && !config.redisUrl) throw new Error('QUEUE_BACKEND=redis needs REDIS_URL.');
}
