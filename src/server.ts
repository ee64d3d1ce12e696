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
// PUBLIC_URL when set, else this machine at the port actually bound (PORT=0 picks one).
const base = config.publicUrl === `http://localhost:${config.port}` ? `http://localhost:${web.port}` : config.publicUrl;
log.info({ port: web.port, console: `${base}/console/` }, `web listening: console at ${base}/console/, API at POST ${base}/api/v1`);
stop = async () => {
  await web.close();
  await rt.close();
  await tracing?.shutdown();
};
