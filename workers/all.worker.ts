import { domains } from '../src/domains.js';
import { runWorkerProcess } from './bootstrap.js';

/** Every worker kind in one process (small installs; the Procfile runs one kind per process). */
await runWorkerProcess(domains.workerKinds);
