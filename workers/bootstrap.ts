import { loadConfig } from '../src/config.js';
import type { WorkerKind } from '../src/core/define-action.js';
import { createLogger } from '../src/infra/logger.js';
import { serveMetrics } from '../src/infra/metrics.js';
import { startTracing } from '../src/infra/tracing.js';
import { onShutdown, requireUrls } from '../src/process.js';
import { openRuntime, startWorkers } from '../src/runtime.js';

/** Shared entry of every worker process: one or more kinds, each its own BullMQ queue. */
export async function runWorkerProcess(kinds: readonly WorkerKind[]): Promise<void> {
  const config = loadConfig();
  requireUrls(config);
  const log = createLogger(config.logLevel, `worker:${kinds.join('+')}`);
  // Installed before boot: a SIGTERM while starting (nothing in flight yet) exits cleanly.
  let stop = async (): Promise<void> => undefined;
  onShutdown(log, () => stop());
  const tracing = startTracing(config, `worker:${kinds.join('+')}`);
  const rt = await openRuntime(config, log);
  const workers = await startWorkers(rt, kinds);
  const metrics = config.metricsPort === null ? null : await serveMetrics(rt.metrics, config.metricsPort, config.host, log);
  log.info({ kinds, concurrency: config.workerConcurrency, metricsPort: metrics?.port ?? null }, 'workers ready');
  stop = async () => {
    await metrics?.close();
    await workers.close();
    await rt.close();
    await tracing?.shutdown();
  };
}
