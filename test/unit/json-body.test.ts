import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { Context } from 'koa';
import { byteSize, readPlainJson } from '../../src/http/json-body.js';

/** A request-like stream with headers; `body` is written, then the stream ends (or, with `abort`, is destroyed). */
function request(headers: Record<string, string>, body: string, opts: { abort?: boolean } = {}): Context {
  const req = Object.assign(new PassThrough(), { headers });
  setImmediate(() => {
    req.write(body);
    if (opts.abort) req.destroy();
    else req.end();
  });
  return { req } as unknown as Context;
}
const json = (body: string, extra: Record<string, string> = {}) => request({ 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...extra }, body);
const code = (err: unknown) => (err as { code?: string }).code;

describe('the plain JSON body reader of POST /api/v1', () => {
  it('reads a BODY_LIMIT as bytes, 1kb being 1024', () => {
    assert.equal(byteSize('256kb'), 256 * 1024);
    assert.equal(byteSize('1mb'), 1024 * 1024);
    assert.equal(byteSize('1000'), 1000);
    assert.equal(byteSize('lots'), null);
  });

  it('parses an object or an array, and an empty body as {}', async () => {
    assert.deepEqual(await readPlainJson(json('{"a": [1, "é"]}'), 1000), { a: [1, 'é'] });
    assert.deepEqual(await readPlainJson(json(' [1]'), 1000), [1]);
    assert.deepEqual(await readPlainJson(json(''), 1000), {});
  });

  it('refuses, as the body parser does, text that is not a JSON object or array, and a __proto__ key however it is spelled', async () => {
    for (const body of ['{"a": ', '123', '"text"', '{"a": {"__proto__": {"x": 1}}}', '{"\\u005f_proto__": {}}']) {
      await assert.rejects(readPlainJson(json(body), 1000)!, (err) => code(err) === 'BAD_JSON', body);
    }
  });

  it('refuses a declared length over the limit before reading, and a body shorter than declared', async () => {
    await assert.rejects(readPlainJson(json('{"a": "' + 'x'.repeat(100) + '"}'), 50)!, (err) => code(err) === 'PAYLOAD_TOO_LARGE');
    const short = request({ 'content-type': 'application/json', 'content-length': '100' }, '{"a": 1}', { abort: true });
    await assert.rejects(readPlainJson(short, 1000)!, (err) => code(err) === 'BAD_ENVELOPE');
  });

  it('leaves any other request to the body parser, reading nothing', () => {
    assert.equal(readPlainJson(json('{}', { 'content-encoding': 'gzip' }), 1000), undefined);
    assert.equal(readPlainJson(json('{}', { 'content-type': 'application/json; charset=latin1' }), 1000), undefined);
    assert.equal(readPlainJson(json('{}', { 'content-type': 'text/plain' }), 1000), undefined);
    assert.equal(readPlainJson(request({ 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, '{}'), 1000), undefined);
  });
});
