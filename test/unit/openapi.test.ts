import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import Koa from 'koa';
import { validate } from '@readme/openapi-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { buildRegistry } from '../../src/actions.js';
import { loadConfig } from '../../src/config.js';
import { apiRouter, type ApiDeps } from '../../src/http/api.js';
import { openApiDocument } from '../../src/http/openapi.js';
import { createLogger } from '../../src/infra/logger.js';

const registry = buildRegistry();
const publicActions = registry.list().filter((a) => !(a.mode === 'queued' && a.internal));
const pascal = (name: string) => name.replace(/(^|_)([a-z0-9])/g, (_m, _s, c: string) => c.toUpperCase());

describe('OpenAPI document', () => {
  const doc = openApiDocument(registry);
  // The document's own schemas, by reference: what a client generator would check against.
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema(structuredClone(doc), 'openapi');
  const check = (schema: string, value: unknown) => {
    const fn = ajv.compile({ $ref: `openapi#/components/schemas/${schema}` });
    return fn(value) ? null : JSON.stringify(fn.errors);
  };

  it('is docs/openapi.json exactly as `npm run docs` writes it', () => {
    assert.deepEqual(JSON.parse(readFileSync('docs/openapi.json', 'utf8')), doc, 'run `npm run docs`');
  });

  it('is valid OpenAPI 3.1 for @readme/openapi-parser', async () => {
    const result = await validate(structuredClone(doc) as never);
    assert.equal(result.valid, true, JSON.stringify(result));
    assert.equal(result.specification, 'OpenAPI');
  });

  it('has one branch of the task oneOf per public action, discriminated by action', () => {
    const task = (doc.components as { schemas: Record<string, { discriminator?: { propertyName: string; mapping: Record<string, string> } }> }).schemas.Task!;
    assert.equal(task.discriminator?.propertyName, 'action');
    assert.deepEqual(Object.keys(task.discriminator.mapping).sort(), publicActions.map((a) => a.name).sort());
  });

  for (const action of publicActions) {
    it(`validates ${action.name}'s example against its data schema and the envelope`, () => {
      assert.equal(check(`${pascal(action.name)}Data`, action.example), null);
      assert.equal(check('Envelope', { token: 't', task: { action: action.name, data: action.example } }), null);
    });
  }

  it('refuses data the action schema refuses (a wrong type under the right action)', () => {
    assert.notEqual(check('Envelope', { task: { action: 'create_transfer', data: { cid: 'not a number', amount: 5 } } }), null);
    assert.notEqual(check('Envelope', { task: { action: 'no_such_action', data: {} } }), null);
  });

  it('requires task.data exactly when the action\'s schema has required fields (the door answers 400 without it)', () => {
    // create_customer requires `name`: no data is refused, as the server refuses it.
    assert.notEqual(check('Envelope', { task: { action: 'create_customer' } }), null);
    assert.equal(check('Envelope', { task: { action: 'create_customer', data: { name: 'X' } } }), null);
    for (const action of publicActions) {
      const data = (doc.components as { schemas: Record<string, { required?: string[] }> }).schemas[`${pascal(action.name)}Data`]!;
      if ((data.required ?? []).length === 0) assert.equal(check('Envelope', { task: { action: action.name } }), null, `${action.name} needs no data`);
      else if (action.name !== 'login') assert.notEqual(check('Envelope', { task: { action: action.name } }), null, `${action.name} needs data`);
    }
    // login: `data`, or the seed's `name`/`password` on the task, not neither.
    assert.notEqual(check('Envelope', { task: { action: 'login' } }), null);
    assert.equal(check('Envelope', { task: { action: 'login', name: 'a@b.test', password: 'pw' } }), null);
  });

  it('describes the workflow callback, the invitation assets and the session_ended feed message', () => {
    const paths = doc.paths as Record<string, Record<string, { responses: Record<string, unknown>; parameters?: { name: string }[] }>>;
    const callback = paths['/api/v1/callbacks/{token}']!.post!;
    assert.deepEqual(Object.keys(callback.responses).sort(), ['202', '400', '404', '410', '413', '415']);
    assert.equal(callback.parameters![0]!.name, 'token');
    const asset = paths['/i/assets/{file}']!.get!;
    assert.deepEqual(Object.keys(asset.responses).sort(), ['200', '404']);
    assert.equal(check('FeedMessage', { type: 'session_ended', reason: 'account_disabled' }), null);
    assert.equal(check('FeedMessage', { type: 'session_ended', reason: 'password_changed' }), null);
    assert.notEqual(check('FeedMessage', { type: 'session_ended' }), null);
  });

  it('lists every error code and describes the /ws feed', () => {
    const schemas = (doc.components as { schemas: Record<string, { properties?: Record<string, { enum?: string[] }> }> }).schemas;
    assert.ok(schemas.Error!.properties!.code!.enum!.includes('VALIDATION_FAILED'));
    assert.ok(schemas.FeedMessage && schemas.FeedHello);
    assert.ok((doc.paths as Record<string, unknown>)['/ws']);
  });

  it('is served at GET /api/v1/openapi.json', async () => {
    const config = loadConfig({}, { env: 'test' });
    const deps = { registry, config, log: createLogger('silent', 'test') } as unknown as ApiDeps;
    const app = new Koa();
    app.use(apiRouter(deps).router.routes());
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/api/v1/openapi.json`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), doc);
    } finally {
      server.close();
    }
  });
});
