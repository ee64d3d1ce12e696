import { loadConfig } from './config.js';
import { createLogger } from './infra/logger.js';
import { onShutdown, requireUrls } from './process.js';
import { openRuntime, startWeb } from './runtime.js';

/** The `web` process: HTTP + websocket, stateless; run as many as you like behind a load balancer. */
const config = loadConfig();
requireUrls(config);
const log = createLogger(config.logLevel, 'web');
const rt = await openRuntime(config, log);
const web = await startWeb(rt);
log.info({ port: web.port }, 'web listening');
onShutdown(log, async () => {
  await web.close();
  await rt.close();
});
