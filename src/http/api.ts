import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import type { Config } from '../config.js';
import { mayRun } from '../core/define-action.js';
import type { WebPorts } from '../core/context.js';
import { AppError } from '../core/errors.js';
import type { Registry } from '../core/registry.js';
import type { Actor } from '../core/roles.js';
import { dbOf, transactionOn, type Orm } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { Accounts } from '../domains/accounts/service.js';
import { isFinalTask } from '../domains/tasks/machine.js';
import { takesQuickSubmit, type Submissions } from '../pipeline/submissions.js';
import type { Waiters } from '../realtime/waiters.js';
import type { RateLimitStore } from '../infra/rate-limit-store.js';
import type { FeedBus } from '../infra/feed-bus.js';
import type { Queues } from '../infra/queue.js';
import { actionCatalogue } from './catalogue.js';
import { openApiDocument } from './openapi.js';
import { fromHttpError } from './errors.js';
import { ActionLimits, LoginThrottle } from './rate-limit.js';
import { findUnstorableText } from './security.js';
import { tokenHash } from '../domains/accounts/passwords.js';

export interface ApiDeps {
  orm: Orm;
  config: Config;
  log: Logger;
  registry: Registry;
  accounts: Accounts;
  tasks: Submissions;
  waiters: Waiters;
  /** Migration status, or a rejection when the database does not answer (GET /ping: ready = answers, none pending). */
  ready: () => Promise<{ executed: string[]; pending: string[] }>;
  /** Where login throttling counts failures (shared by every web process); in-memory when absent. */
  rateLimitStore?: RateLimitStore;
  /** bureau's clock (the runtime's; tests move it). */
  now?: () => Date;
  /** Where the web process tells every other one that a user's sessions ended (their websockets close); none in bare app tests. */
  bus?: Pick<FeedBus, 'publish'>;
  /** The queue backend, for GET /ping; not checked when absent (bare app tests). */
  queues?: Pick<Queues, 'ping'>;
}

/** How long GET /ping waits for the queue backend before it answers 503. */
const PING_TIMEOUT_MS = 2000;

/** The seed-001 envelope, kept exactly; `name`/`password` on `task` is the seed's login shape. */
const Envelope = z.strictObject({
  token: z.string().max(512).optional(),
  wait: z.number().int().min(0).optional(),
  task: z.strictObject({
    action: z.string().min(1).max(100),
    data: z.unknown().optional(),
    key: z.string().min(1).max(200).optional(),
    name: z.string().optional(),
    password: z.string().optional(),
  }),
});

const issuesOf = (error: z.ZodError) => error.issues.map((i) => ({ path: i.path.join('.'), message: i.message, code: i.code }));

function bearer(ctx: Context): string | null {
  const h = ctx.get('authorization');
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1] ?? null;
}

/**
 * The API routes. `post` is `POST /api/v1` on its own, for the app to serve
 * ahead of every other route (it is most of the traffic).
 */
export function apiRouter(deps: ApiDeps): { router: Router; post: Middleware } {
  const router = new Router();
  const em = () => deps.orm.em.fork();

  const now = deps.now ?? (() => new Date());
  const actionLimits = new ActionLimits(deps.rateLimitStore ?? { kind: 'memory', prefix: 'rl' }, deps.config);
  const throttle = new LoginThrottle(deps.rateLimitStore ?? { kind: 'memory', prefix: 'rl' }, {
    perIpName: { points: deps.config.loginLimitIpName, windowMs: deps.config.loginLimitWindowMs },
    perName: { points: deps.config.loginLimitName, windowMs: deps.config.loginLimitWindowMs },
  });
  const transaction = transactionOn(deps.orm);
  /** What an inline action may use of the web process, for one request: attempts are counted by the caller's IP. */
  const webFor = (ip: string): WebPorts => ({
    attempts: {
      check: (subject) => throttle.check(ip, subject),
      failed: (subject) => throttle.failed(ip, subject),
      succeeded: (subject) => throttle.succeeded(ip, subject),
    },
    tasks: {
      get: (actor, id) => deps.tasks.get(em(), actor, id),
      cancel: (actor, id) => deps.tasks.cancel(em(), actor, id),
    },
    sessions: {
      ended: async (userId, { reason, keepToken }) => {
        const message = { userId, seq: null, taskId: null, body: { type: 'session_ended', reason }, endSessions: { keep: keepToken ? tokenHash(keepToken) : null } };
        await deps.bus?.publish([message]).catch((err: Error) => deps.log.warn({ err: err.message, userId }, 'could not announce ended sessions; open websockets stay until they reconnect'));
      },
    },
  });

  router.get('/ping', async (ctx) => {
    const [status, queue] = await Promise.all([
      deps.ready().catch(() => null),
      deps.queues ? deps.queues.ping(PING_TIMEOUT_MS).then(() => null, (err: Error) => err.message) : null,
    ]);
    const problems = [
      ...(status === null ? ['The database does not answer.'] : status.pending.length ? [`Migrations pending: ${status.pending.join(', ')}.`] : []),
      ...(queue ? [queue] : []),
    ];
    ctx.status = problems.length ? 503 : 200;
    ctx.body = problems.length || !status
      ? { error: { code: 'UNAVAILABLE', message: problems.join(' '), details: { problems } } }
      : { ok: true, migrations: { applied: status.executed.length, pending: [] } };
  });

  router.get('/', (ctx) => {
    ctx.body = { name: 'bureau', api: '/api/v1', websocket: '/ws', actions: '/api/v1/actions', ping: '/ping' };
  });

  router.get('/api/v1/actions', (ctx) => {
    ctx.body = { actions: actionCatalogue(deps.registry) };
  });

  let openApi: unknown = null;
  router.get('/api/v1/openapi.json', (ctx) => {
    ctx.body = openApi ??= openApiDocument(deps.registry);
  });

  router.get('/api/v1/tasks/:id', async (ctx) => {
    // `?token=a&token=b` arrives as an array: only a single string is a token.
    const actor = await deps.accounts.authenticate(dbOf(em()), bearer(ctx) ?? (typeof ctx.query.token === 'string' ? ctx.query.token : undefined));
    const id = Number(ctx.params.id);
    if (!Number.isSafeInteger(id) || id <= 0) throw new AppError('NOT_FOUND', `No task ${ctx.params.id}.`);
    ctx.body = { task: await deps.tasks.get(em(), actor, id) };
  });

  const checkType: Middleware = async (ctx, next) => {
    if (!ctx.is('application/json')) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the envelope as application/json.');
    await next();
  };
  const parseBody = bodyParser({
    enableTypes: ['json'],
    jsonLimit: deps.config.bodyLimit,
    encoding: 'utf-8',
    onError: (err) => {
      throw fromHttpError(err) ?? new AppError('BAD_JSON', 'The request body could not be read as JSON.');
    },
  }) as Middleware;
  const submit = async (ctx: Context) => {
    const parsed = Envelope.safeParse(ctx.request.body);
    if (!parsed.success) throw new AppError('BAD_ENVELOPE', 'The body must be {"token"?, "task": {"action", "data"?, "key"?}, "wait"?}.', { issues: issuesOf(parsed.error) });
    const unstorable = findUnstorableText(parsed.data);
    if (unstorable !== null) {
      const message = 'Text may not contain the NUL character (\\u0000) or an unpaired surrogate.';
      const inData = unstorable === 'task.data' || unstorable.startsWith('task.data.');
      if (!inData) throw new AppError('BAD_ENVELOPE', `${unstorable}: ${message}`, { issues: [{ path: unstorable, message, code: 'invalid_string' }] });
      const path = unstorable.slice('task.data.'.length);
      throw new AppError('VALIDATION_FAILED', `${path || '(data)'}: ${message}`, { issues: [{ path, message, code: 'invalid_string' }] });
    }
    const { task, wait } = parsed.data;
    const def = deps.registry.get(task.action);
    if (!def || (def.mode === 'queued' && def.internal)) {
      throw new AppError('UNKNOWN_ACTION', `Unknown action "${task.action}".`, { known: deps.registry.publicNames() });
    }
    let data = task.data ?? {};
    if (task.name !== undefined || task.password !== undefined) {
      if (def.name !== 'login' || task.data !== undefined) throw new AppError('BAD_ENVELOPE', '`task.name` and `task.password` are only for the seed-style login.');
      data = { name: task.name, password: task.password };
    }
    const token = parsed.data.token ?? bearer(ctx);
    // The usual case (a queued action, a good session, valid data) is one statement: session check and task
    // record together. Anything else goes the step-by-step way below, which names the problem in its order:
    // 401, 403, then 400.
    const quick = def.mode === 'queued' && takesQuickSubmit(def) && token && def.input.safeParse(data).success ? await deps.tasks.submitWithSession(deps.orm.em, tokenHash(token), def, data, task.key) : null;
    let user: Actor & { kind: 'user' };
    let submitted: { id: number; status: string; created: boolean };
    if (quick) {
      user = quick.actor;
      submitted = { id: quick.id, status: 'queued', created: true };
    } else {
      const actor: Actor | null = def.roles === 'public' ? null : await deps.accounts.authenticate(dbOf(em()), token);
      if (!mayRun(def, actor)) throw new AppError('FORBIDDEN', `Your role may not run ${def.name}.`, { roles: def.roles });
      const input = def.input.safeParse(data);
      if (!input.success) {
        const issues = issuesOf(input.error);
        throw new AppError('VALIDATION_FAILED', `Invalid data for ${def.name}: ${issues.map((i) => `${i.path || '(data)'}: ${i.message}`).join('; ')}`, { issues });
      }
      if (def.mode === 'inline') {
        const db = dbOf(em());
        ctx.body = await def.handler(input.data, { ...db, actor, token, config: deps.config, log: deps.log, now, transaction, web: webFor(ctx.ip) });
        return;
      }
      user = actor as Actor & { kind: 'user' };
      if (def.rateLimit) await actionLimits.consume(def.name, def.rateLimit, user);
      // The task keeps `data` as sent, not as parsed: the worker parses it itself, so a transforming schema runs once.
      submitted = await deps.tasks.submit(em(), user, def, data, task.key);
    }
    ctx.set('Location', `/api/v1/tasks/${submitted.id}`);
    if (wait && !isFinalTask(submitted.status)) {
      const waiter = deps.waiters.wait(submitted.id, Math.min(wait, deps.config.maxWaitMs));
      // The result may have landed before the waiter was registered.
      if (isFinalTask((await deps.tasks.get(em(), user, submitted.id)).status)) waiter.cancel();
      else await waiter.done;
    }
    const current = wait || !submitted.created ? await deps.tasks.get(em(), user, submitted.id) : { id: submitted.id, action: def.name, status: 'queued' };
    ctx.status = isFinalTask(current.status) ? 200 : 202;
    ctx.body = { task: current };
  };
  const post: Middleware = (ctx) => checkType(ctx, () => parseBody(ctx, () => submit(ctx)));
  router.post('/api/v1', post);

  return { router, post };
}
