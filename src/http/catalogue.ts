import { z } from 'zod';
import type { Registry } from '../core/registry.js';

/** GET /api/v1/actions and docs/actions.md: every public action with its roles and JSON Schema. */
export function actionCatalogue(registry: Registry) {
  return registry
    .list()
    .filter((a) => !(a.mode === 'queued' && a.internal))
    .map((a) => ({
      name: a.name,
      summary: a.summary,
      roles: a.roles,
      mode: a.mode,
      worker: a.mode === 'queued' ? a.worker : 'web',
      schema: z.toJSONSchema(a.input, { io: 'input', unrepresentable: 'any' }),
      example: a.example,
    }));
}
