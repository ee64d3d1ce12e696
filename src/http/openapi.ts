import { z } from 'zod';
import { ERROR_CATALOGUE } from '../core/errors.js';
import type { Registry } from '../core/registry.js';

/**
 * The OpenAPI 3.1 document of bureau's HTTP API, generated from the action
 * registry and the error catalogue (served at `GET /api/v1/openapi.json`,
 * written to `docs/openapi.json` by `npm run docs`). `POST /api/v1` takes the
 * envelope whose `task` is a `oneOf` discriminated by `action`, one branch per
 * public action with its `data` schema (from the action's zod schema). The
 * result feed (`/ws`) is described under `GET /ws` and the `Feed*` schemas:
 * OpenAPI has no websocket operations, so the messages are schemas with the
 * protocol in prose.
 */

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema, description: string) => ({ description, content: { 'application/json': { schema } } });
const pascal = (name: string) => name.replace(/(^|_)([a-z0-9])/g, (_m, _s, c: string) => c.toUpperCase());

/** The `data` schema of an action as JSON Schema 2020-12 (OpenAPI 3.1's dialect), without its own `$schema`. */
export function dataSchema(input: z.ZodType): Schema {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(input, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Schema;
  return schema;
}

/** HTTP status -> the error codes answered with it. */
function codesByStatus(): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const [code, e] of Object.entries(ERROR_CATALOGUE)) out.set(e.status, [...(out.get(e.status) ?? []), code]);
  return out;
}

function errorResponses(statuses: number[]): Record<string, unknown> {
  const byStatus = codesByStatus();
  return Object.fromEntries(
    statuses.map((s) => [String(s), json(ref('ErrorBody'), `Error: ${(byStatus.get(s) ?? []).map((c) => `\`${c}\``).join(', ') || 'see ErrorBody'}.`)]),
  );
}

function feedSchemas(): Record<string, Schema> {
  return {
    FeedHello: {
      type: 'object',
      description: 'The client\'s first message on `/ws`: its session token and the highest `seq` it already has (0 at first).',
      required: ['token', 'after'],
      properties: { token: { type: 'string', maxLength: 512 }, after: { type: 'integer', minimum: 0 } },
      additionalProperties: false,
    },
    FeedTask: {
      type: 'object',
      required: ['id', 'action', 'status'],
      properties: {
        id: { type: 'integer' },
        action: { type: 'string' },
        status: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'] },
        result: { description: 'The handler\'s result (succeeded).' },
        error: ref('Error'),
        finishedAt: { type: 'string', format: 'date-time', description: 'When the task finished (a replayed entry keeps its time).' },
      },
    },
    FeedMessage: {
      description: 'A message bureau sends on `/ws`, by `type`. `result` and `notice` with a `seq` are stored and replayed after `after`; a `result` without `seq` is live-only progress (`running`).',
      oneOf: [
        {
          type: 'object',
          title: 'hello',
          required: ['type', 'user', 'after'],
          properties: { type: { const: 'hello' }, user: { type: 'object' }, after: { type: 'integer' } },
        },
        { type: 'object', title: 'result', required: ['type', 'task'], properties: { type: { const: 'result' }, seq: { type: 'integer' }, task: ref('FeedTask') } },
        { type: 'object', title: 'notice', required: ['type', 'seq', 'notice'], properties: { type: { const: 'notice' }, seq: { type: 'integer' }, notice: { type: 'object' } } },
        { type: 'object', title: 'error', required: ['type', 'error'], properties: { type: { const: 'error' }, error: ref('Error') } },
        {
          type: 'object',
          title: 'session_ended',
          description:
            'Live only (no `seq`, never replayed): the user\'s sessions ended (`account_disabled`: an admin disabled the account; `password_changed`: every other session of a user who changed their password). Bureau then closes the connection with code 4401, as for a bad token: log in again.',
          required: ['type', 'reason'],
          properties: { type: { const: 'session_ended' }, reason: { type: 'string', enum: ['account_disabled', 'password_changed'] } },
        },
      ],
    },
  };
}

/** Builds the document from the registry: every public action, every error code. */
export function openApiDocument(registry: Registry): Schema {
  const actions = registry.list().filter((a) => !(a.mode === 'queued' && a.internal));
  const schemas: Record<string, Schema> = {};
  const mapping: Record<string, string> = {};
  for (const a of actions) {
    const id = pascal(a.name);
    schemas[`${id}Data`] = { ...dataSchema(a.input), examples: [a.example] };
    const properties: Record<string, Schema> = { action: { const: a.name }, data: ref(`${id}Data`), key: { type: 'string', minLength: 1, maxLength: 200, description: 'Idempotency key: the same key from the same user gives the first task back.' } };
    // The seed-001 login shape: `name`/`password` on `task` itself.
    if (a.name === 'login') Object.assign(properties, { name: { type: 'string' }, password: { type: 'string' } });
    // The door parses a missing `data` as `{}`: an action whose schema requires a field answers 400 without it.
    const needsData = ((schemas[`${id}Data`] as { required?: unknown[] }).required ?? []).length > 0;
    const required = !needsData ? { required: ['action'] } : a.name === 'login' ? { required: ['action'], oneOf: [{ required: ['data'] }, { required: ['name', 'password'] }] } : { required: ['action', 'data'] };
    schemas[`${id}Task`] = {
      type: 'object',
      title: a.name,
      description: `${a.summary}\n\nRoles: ${a.roles === 'public' ? 'anyone' : a.roles.join(', ')}. ${a.mode === 'inline' ? 'Answered inline (200).' : 'Queued (202), result on `/ws`.'}`,
      ...required,
      properties,
      additionalProperties: false,
      examples: [{ action: a.name, data: a.example }],
    };
    mapping[a.name] = `#/components/schemas/${id}Task`;
  }
  Object.assign(schemas, {
    Task: { oneOf: Object.values(mapping).map(($ref) => ({ $ref })), discriminator: { propertyName: 'action', mapping } },
    Envelope: {
      type: 'object',
      description: 'The seed-001 envelope. The token may come in an `Authorization: Bearer` header instead.',
      required: ['task'],
      properties: { token: { type: 'string', maxLength: 512 }, wait: { type: 'integer', minimum: 0, description: 'Hold the reply up to this many ms (capped by MAX_WAIT_MS) for the result.' }, task: ref('Task') },
      additionalProperties: false,
    },
    TaskView: {
      type: 'object',
      required: ['id', 'action', 'status'],
      properties: {
        id: { type: 'integer' },
        action: { type: 'string' },
        status: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'] },
        result: {},
        error: ref('Error'),
        actorId: { type: ['integer', 'null'] },
        attempts: { type: 'integer' },
        createdAt: { type: 'string', format: 'date-time' },
        startedAt: { type: ['string', 'null'], format: 'date-time' },
        finishedAt: { type: ['string', 'null'], format: 'date-time' },
      },
    },
    TaskReply: { type: 'object', required: ['task'], properties: { task: ref('TaskView') } },
    Error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string', enum: Object.keys(ERROR_CATALOGUE) }, message: { type: 'string' }, details: { type: 'object' } },
    },
    ErrorBody: { type: 'object', required: ['error'], properties: { error: ref('Error') } },
    ...feedSchemas(),
  });
  const allErrors = [...codesByStatus().keys()].sort((a, b) => a - b);
  const bearer = [{ bearer: [] }, {}];
  return {
    openapi: '3.1.0',
    info: {
      title: 'bureau',
      version: '1.0.0',
      description: 'One action endpoint, role queues, a resumable result feed. Generated from the action registry: do not edit docs/openapi.json by hand (`npm run docs`).',
    },
    servers: [{ url: '/' }],
    components: { schemas, securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'The session token `login` returns.' } } },
    paths: {
      '/api/v1': {
        post: {
          operationId: 'submit',
          summary: 'Submit an action',
          description: 'Queued actions answer 202 with the task at once and push the result on `/ws` (or 200 with the final task when `wait` was given and the result came in time). Inline actions answer 200 with their result.',
          security: bearer,
          requestBody: { required: true, content: { 'application/json': { schema: ref('Envelope') } } },
          responses: {
            '200': json({ description: 'An inline action\'s result, or `{"task"}` with the final task.' }, 'Inline result, or a queued task that finished within `wait`.'),
            '202': { ...json(ref('TaskReply'), 'Queued; the result follows on `/ws`.'), headers: { Location: { schema: { type: 'string' }, description: '`/api/v1/tasks/{id}`' } } },
            ...errorResponses(allErrors.filter((s) => s >= 400)),
          },
        },
      },
      '/api/v1/tasks/{id}': {
        get: {
          operationId: 'getTask',
          summary: 'A task\'s status and result (its owner, or an admin of the tenant)',
          security: bearer,
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } },
            { name: 'token', in: 'query', required: false, schema: { type: 'string' }, description: 'Instead of the Bearer header.' },
          ],
          responses: { '200': json(ref('TaskReply'), 'The task.'), ...errorResponses([401, 404]) },
        },
      },
      '/api/v1/actions': {
        get: { operationId: 'listActions', summary: 'The action catalogue with a JSON Schema per action', responses: { '200': json({ type: 'object', properties: { actions: { type: 'array', items: { type: 'object' } } } }, 'Every public action.') } },
      },
      '/api/v1/openapi.json': { get: { operationId: 'openApi', summary: 'This document', responses: { '200': json({ type: 'object' }, 'OpenAPI 3.1.') } } },
      '/ping': {
        get: {
          operationId: 'ping',
          summary: 'Readiness: the database answers and no migration is pending',
          responses: {
            '200': json({ type: 'object', properties: { ok: { const: true }, migrations: { type: 'object' } } }, 'Ready.'),
            '503': json(ref('ErrorBody'), '`UNAVAILABLE`: the database does not answer or migrations are pending.'),
          },
        },
      },
      '/metrics': { get: { operationId: 'metrics', summary: 'Prometheus metrics of this process', responses: { '200': { description: 'Prometheus text format.', content: { 'text/plain': { schema: { type: 'string' } } } } } } },
      '/ws': {
        get: {
          operationId: 'feed',
          summary: 'The result feed (websocket)',
          description:
            'Upgrade to a websocket. Send `FeedHello` first; bureau answers `hello`, replays every stored entry with `seq` > `after` in order, then sends new ones as they finish (`FeedMessage`). Each `seq` comes once per connection. After a drop, reconnect with `after` = the last `seq` seen: nothing is lost. A refused hello is an `error` message and close code 4401 (token) or 4400.',
          responses: { '101': { description: 'Switching Protocols: then `FeedHello` from the client, `FeedMessage`s from bureau.', content: { 'application/json': { schema: ref('FeedMessage') } } } },
        },
      },
      '/api/v1/callbacks/{token}': {
        post: {
          operationId: 'workflowCallback',
          summary: 'An ASYNC_ACTION task\'s single-use callback (workflows)',
          description:
            'The URL a workflow\'s ASYNC_ACTION call carried. No session: the token is the credential (single use, valid until its task\'s deadline). Any JSON body (or none) is the outcome; bureau records a `record_action_outcome` system task for it and answers 202 at once.',
          parameters: [{ name: 'token', in: 'path', required: true, schema: { type: 'string', pattern: '^[\\w-]{20,200}$' } }],
          requestBody: { required: false, content: { 'application/json': { schema: { description: 'Any JSON value: the outcome\'s body.' } } } },
          responses: {
            '202': json({ type: 'object', required: ['accepted'], properties: { accepted: { const: true } } }, 'Accepted: the outcome is applied by the task it recorded.'),
            ...errorResponses([400, 404, 410, 413, 415]),
          },
        },
      },
      '/i/assets/{file}': {
        get: {
          operationId: 'invitationAsset',
          summary: 'The invitation pages\' stylesheet and script',
          parameters: [{ name: 'file', in: 'path', required: true, schema: { type: 'string', enum: ['invite.css', 'accept.js'] } }],
          responses: {
            '200': { description: 'The file (cached 5 minutes).', content: { 'text/css': { schema: { type: 'string' } }, 'text/javascript': { schema: { type: 'string' } } } },
            ...errorResponses([404]),
          },
        },
      },
      '/i/{token}': {
        parameters: [{ name: 'token', in: 'path', required: true, schema: { type: 'string' } }],
        get: { operationId: 'invitationPage', summary: 'Invitation link: records the click and shows the accept form', responses: { '200': { description: 'HTML form.', content: { 'text/html': {} } }, '404': { description: 'Unknown link (HTML).' }, '409': { description: 'Already registered (HTML).' }, '410': { description: 'Expired or revoked (HTML).' } } },
        post: {
          operationId: 'acceptInvitationForm',
          summary: 'The accept form: registers the invited person',
          requestBody: { content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', required: ['first_name', 'last_name', 'password'], properties: { first_name: { type: 'string' }, last_name: { type: 'string' }, password: { type: 'string', minLength: 10 }, password_again: { type: 'string' } } } } } },
          responses: { '200': { description: 'Registered (HTML).', content: { 'text/html': {} } }, '400': { description: 'The form again, with what to fix (HTML).' }, '409': { description: 'Already registered.' }, '410': { description: 'Expired or revoked.' } },
        },
      },
      '/i/{token}/open.gif': {
        get: { operationId: 'invitationOpened', summary: 'Open-tracking pixel of the invitation email', parameters: [{ name: 'token', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': { description: 'A 1x1 GIF.', content: { 'image/gif': {} } } } },
      },
    },
  };
}
