import type { Registry } from './core/registry.js';
import { domains } from './domains.js';

/** The registry of every domain's actions (see `src/domains.ts`). */
export function buildRegistry(): Registry {
  return domains.registry;
}
