import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Middleware } from 'koa';
import type { Config } from '../config.js';
import { AppError } from '../core/errors.js';
import { findUnstorableText } from '../core/unstorable.js';
import type { Registry } from '../core/registry.js';
import { acceptCallback } from '../domains/workflows/callbacks.js';
import { transactionOn, type Orm } from '../infra/db.js';
import { taskSql } from '../pipeline/task-sql.js';

/**
 * `POST /api/v1/callbacks/:token`: an ASYNC_ACTION task's single-use callback
 * (the workflows domain's `acceptCallback`). Answers 202; the outcome is
 * applied by the `record_action_outcome` task it records.
 */
export function workflowCallbacks(deps: { orm: Orm; config: Config; registry: Registry; now?: () => Date }): Router {
  const router = new Router();
  const transaction = transactionOn(deps.orm);
  // A wrong content type or a body PostgreSQL cannot store is refused before the token is used, so the caller can send again.
  const onlyJson: Middleware = async (ctx, next) => {
    if (!ctx.is('application/json')) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the callback body as application/json.');
    await next();
  };
  router.post('/api/v1/callbacks/:token', onlyJson, bodyParser({ enableTypes: ['json'], jsonLimit: deps.config.bodyLimit }), async (ctx) => {
    const token = ctx.params.token ?? '';
    if (!/^[\w-]{20,200}$/.test(token)) throw new AppError('NOT_FOUND', 'No such callback.');
    const unstorable = findUnstorableText(ctx.request.body);
    if (unstorable !== null) throw new AppError('BAD_JSON', `${unstorable || '(body)'}: text may not contain the NUL character (\\u0000) or an unpaired surrogate.`);
    ctx.body = await transaction((tx) =>
      acceptCallback(tx, token, ctx.request.body ?? null, (deps.now ?? (() => new Date()))(), async (tenantId, action, input, key) => {
        const def = deps.registry.get(action);
        if (def?.mode !== 'queued' || def.worker === 'caller') throw new AppError('INTERNAL', `not a queued system action: ${action}`);
        await tx.sql(
          `with t as (insert into task (tenant_id, actor_id, action, queue, input, status, idem_key) values (?, null, ?, ?, ?::jsonb, ${taskSql.submit.to}, ?)
                        on conflict (tenant_id, idem_key) where idem_key is not null and actor_id is null do nothing returning id)
           insert into outbox (task_id, queue) select id, ? from t`,
          [tenantId, action, def.worker, JSON.stringify(input), key, def.worker],
        );
      }),
    );
    ctx.status = 202;
  });
  return router;
}
