import { loadConfig } from './config.js';
import { createLogger } from './infra/logger.js';
import { startTracing } from './infra/tracing.js';
import { onShutdown, requireUrls } from './process.js';
import { openRuntime, startWeb } from './runtime.js';

/** The `web` process: HTTP + websocket, stateless; run as many as you like behind a load balancer. */
const config = loadConfig();
requireUrls(config);
const log = createLogger(config.logLevel, 'web');
// Installed before boot: a SIGTERM while starting (nothing in flight yet) exits cleanly.
let stop = async (): Promise<void> => undefined;
onShutdown(log, () => stop());
const tracing = startTracing(config, 'web');
const rt = await openRuntime(config, log);
const web = await startWeb(rt);
log.info({ port: web.port }, 'web listening');
stop = async () => {
  await web.close();
  await rt.close();
  await tracing?.shutdown();
};
