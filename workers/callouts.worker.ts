import { runWorkerProcess } from './bootstrap.js';

await runWorkerProcess(['callouts']);
