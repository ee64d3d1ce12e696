import { WORKER_KINDS } from '../src/core/define-action.js';
import { runWorkerProcess } from './bootstrap.js';

/** Every worker kind in one process (small installs; the Procfile runs one kind per process). */
await runWorkerProcess(WORKER_KINDS);
