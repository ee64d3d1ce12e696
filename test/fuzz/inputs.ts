import fc from 'fast-check';
import { domains } from '../../src/domains.js';

/**
 * Generated inputs for bureau's two doors (POST /api/v1 and /ws), derived from
 * the action catalogue's JSON Schemas and mutated the ways a hostile or broken
 * client would: wrong types, huge strings and numbers, deep nesting,
 * `__proto__` keys, unicode (lone surrogates, NUL, RTL), SQL and HTML in
 * strings, missing and extra keys; plus raw bodies that are not JSON, the wrong
 * content type or over the size limit, odd GET paths, and websocket first
 * messages. Everything comes from `fc.sample` with a seed: same seed, same inputs.
 */

export interface CatalogueEntry {
  name: string;
  roles: string[] | 'public';
  mode: 'inline' | 'queued';
  schema: JsonSchema;
  example: unknown;
}

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  anyOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
}

/** Whose token a request carries: a real session of a role, nothing, or junk. */
/** A role of some domain (its demo caller acts), no token, or a junk token. */
export type Caller = string;

export type FuzzCase =
  | { kind: 'post'; caller: Caller; contentType: string; body: string; bearer: boolean; what: string }
  | { kind: 'get'; caller: Caller; path: string; method: string; what: string }
  | { kind: 'ws'; caller: Caller; message: string; origin: string | null; what: string };

const SQL_HTML = [
  "'; drop table task; --",
  "1' or '1'='1",
  '1; select pg_sleep(0)--',
  '" or ""="',
  '$1',
  '?',
  '%s%s%s%n',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '"><svg/onload=alert(1)>',
  '{{7*7}}',
  '${process.exit(1)}',
  '../../../../etc/passwd',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\u202eRTL',
  '\ufeff',
  '🙂'.repeat(40),
  'Ǆ̸̡̛̤̲̦̐ͬ',
  '\\u0000',
  '\r\n\r\nHTTP/1.1 200 OK',
  'null',
  'undefined',
  '__proto__',
  'constructor',
];

const NASTY_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', ' ', '$where', 'id', 'tenantId', 'tenant_id', 'actorId', 'role', '🙂', '\u0000'];

const NUMBERS = [0, -0, -1, 1, 1.5, -1.5, 0.1 + 0.2, 2 ** 31, 2 ** 31 - 1, -(2 ** 31), 2 ** 53, 2 ** 53 + 2, 2 ** 63, 1e21, 1e308, -1e308, Number.MIN_VALUE, 5e-324];

/** Deep nesting, built iteratively so our own side never recurses. */
function nest(depth: number, asArray: boolean): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = asArray ? [v] : { a: v };
  return v;
}

/** An object whose keys are really own properties, `__proto__` included (JSON.stringify keeps them). */
function withKeys(entries: [string, unknown][]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

const hugeString = fc.constantFrom(0, 1, 2).map((i) => ['x'.repeat(100_001), 'é'.repeat(20_001), '🙂'.repeat(5_000)][i]!);

export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<unknown>(null, true, false, '', ' ', '0', '1', '-1', '1e999', 'NaN', [], {}, [null], ...NUMBERS) },
  { weight: 3, arbitrary: fc.constantFrom(...SQL_HTML) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((n) => Number(n))) },
  { weight: 1, arbitrary: hugeString },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 20, max: 3000 }), fc.boolean()).map(([d, arr]) => nest(d, arr)) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.array(fc.tuple(fc.constantFrom(...NASTY_KEYS), fc.jsonValue({ maxDepth: 2 })), { maxLength: 4 }).map(withKeys) },
);

/** A value that fits a JSON Schema (roughly), to reach past validation into the handlers. */
function fromSchema(s: JsonSchema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!s || depth > 3) return fc.jsonValue({ maxDepth: 1 });
  if (s.enum) return fc.constantFrom(...s.enum);
  if (s.anyOf?.length) return fc.oneof(...s.anyOf.map((x) => fromSchema(x, depth + 1)));
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'integer':
      return fc.oneof(fc.integer({ min: s.minimum ?? -5, max: Math.min(s.maximum ?? 50, 2 ** 31 - 1) }), fc.constantFrom(1, 2, 3, 999_999, 2_147_483_647));
    case 'number':
      return fc.oneof(fc.double({ min: 0, max: 1e12, noNaN: true }), fc.constantFrom(0.01, 12.5, 1e11));
    case 'string':
      if (s.pattern) return fc.oneof(fc.constantFrom('1250.00', '0.01', '99999999999.99', '1.234', '00.10'), fc.stringMatching(new RegExp(s.pattern)));
      return fc.oneof(fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 60, 60) }), fc.constantFrom(...SQL_HTML));
    case 'boolean':
      return fc.boolean();
    case 'object': {
      const props = Object.entries(s.properties ?? {});
      return fc.record(Object.fromEntries(props.map(([k, v]) => [k, fromSchema(v, depth + 1)])), { requiredKeys: (s.required ?? []).filter((k) => props.some(([p]) => p === k)) });
    }
    default:
      return fc.jsonValue({ maxDepth: 1 });
  }
}

type Mutation = (data: Record<string, unknown>, rnd: { key: string; value: unknown; extraKey: string }) => unknown;
const MUTATIONS: Record<string, Mutation> = {
  valid: (d) => d,
  'wrong value': (d, r) => (r.key ? { ...d, [r.key]: r.value } : d),
  'missing key': (d, r) => Object.fromEntries(Object.entries(d).filter(([k]) => k !== r.key)),
  'extra key': (d, r) => withKeys([...Object.entries(d), [r.extraKey, r.value]]),
  'junk data': (_d, r) => r.value,
};

function dataFor(entry: CatalogueEntry): fc.Arbitrary<{ data: unknown; what: string }> {
  const keys = Object.keys(entry.schema.properties ?? {});
  const base = fc.oneof({ weight: 1, arbitrary: fc.constant(entry.example as Record<string, unknown>) }, { weight: 2, arbitrary: fromSchema(entry.schema) as fc.Arbitrary<Record<string, unknown>> });
  return fc
    .record({
      base,
      // Valid and nearly valid data most often, so that many inputs reach the handlers on the workers.
      mutation: fc.constantFrom('valid', 'valid', 'valid', 'wrong value', 'wrong value', 'wrong value', 'missing key', 'extra key', 'junk data'),
      key: keys.length ? fc.constantFrom(...keys) : fc.constant(''),
      value: nastyValue,
      extraKey: fc.oneof(fc.constantFrom(...NASTY_KEYS), fc.string({ maxLength: 10 })),
    })
    .map(({ base, mutation, key, value, extraKey }) => {
      const obj = base && typeof base === 'object' && !Array.isArray(base) ? base : {};
      return { data: MUTATIONS[mutation]!(obj, { key, value, extraKey }), what: `${entry.name}: ${mutation}${key ? ` (${key})` : ''}` };
    });
}

// Every role of every domain acts (admin twice as often: it may run the most), and so do no token and a junk one.
const caller = fc.constantFrom<Caller>('admin', ...domains.roles, 'none', 'junk');

/** A whole envelope; sometimes the envelope itself is what is wrong. */
function envelopeCase(entries: CatalogueEntry[]): fc.Arbitrary<FuzzCase> {
  const actionData = fc.constantFrom(...entries).chain((e) => dataFor(e).map((d) => ({ entry: e, ...d })));
  return fc
    .record({
      ad: actionData,
      who: caller,
      bearer: fc.boolean(),
      envMutation: fc.constantFrom('none', 'none', 'none', 'none', 'none', 'none', 'none', 'none', 'action', 'wait', 'key', 'token', 'extra', 'task', 'seed-login', 'no data'),
      value: nastyValue,
      extraKey: fc.constantFrom(...NASTY_KEYS),
      key: fc.option(fc.string({ minLength: 1, maxLength: 30 }), { nil: undefined }),
    })
    .map(({ ad, who, bearer, envMutation, value, extraKey, key }) => {
      const task: Record<string, unknown> = { action: ad.entry.name, data: ad.data, ...(key ? { key } : {}) };
      // `$TOKEN` is replaced by the caller's token when the case runs (bearer cases send it as a header instead).
      const env: Record<string, unknown> = bearer ? { task } : { token: '$TOKEN', task };
      if (envMutation === 'action') task.action = value;
      if (envMutation === 'wait') env.wait = value;
      if (envMutation === 'key') task.key = value;
      if (envMutation === 'token') env.token = value;
      if (envMutation === 'extra') Object.defineProperty(env, extraKey, { value, enumerable: true });
      if (envMutation === 'task') env.task = value;
      if (envMutation === 'seed-login') Object.assign(task, { name: value, password: value });
      if (envMutation === 'no data') delete task.data;
      return { kind: 'post' as const, caller: who, contentType: 'application/json', body: JSON.stringify(env), bearer, what: `${ad.what}; envelope ${envMutation}` };
    });
}

const RAW_BODIES = [
  '',
  '{',
  '{"task":',
  'null',
  '[]',
  '"a string"',
  '123',
  'true',
  '{"task": {"action": "login"}}',
  '{"__proto__": {"polluted": true}, "task": {"action": "get_customer", "data": {"id": 1}}}',
  '{"task": {"action": "get_customer", "data": {"id": 1, "__proto__": {"isAdmin": true}}}}',
  '{"task": {"action": "create_customer", "data": {"name": "a", "constructor": {"prototype": {"x": 1}}}}}',
  '{"task": {"action": "get_customer", "data": {"id": 1}}, "task": {"action": "create_customer"}}',
  '{"task": {"action": "get_customer", "data": {"id": 1e999}}}',
  '{"task": {"action": "get_customer", "data": {"id": -0}}}',
  '{"task": {"action": "get_customer", "data": {"id": 1.0}}}',
  '{"task": {"action": "create_customer", "data": {"name": "\\ud800"}}}',
  '{"task": {"action": "create_customer", "data": {"name": "a\\u0000b"}}}',
  '{"task": {"action": "create_customer", "data": {"name": "ok"}, "key": "k\\u0000"}}',
  '{"task": {"action": "login", "data": {"name": "a\\u0000@acme.test", "password": "x"}}}',
  '\u0000\u0001\u0002',
  '\ufeff{"task": {"action": "get_customer", "data": {"id": 1}}}',
  '{"task": {"action": "get_customer", "data": {"id": 1}}} trailing',
];

function rawCase(): fc.Arbitrary<FuzzCase> {
  return fc
    .record({
      who: caller,
      body: fc.oneof(
        fc.constantFrom(...RAW_BODIES),
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
        fc.constantFrom(0, 1).map((i) => (i ? `{"task": {"action": "create_customer", "data": {"name": "${'y'.repeat(300_000)}"}}}` : `[${'['.repeat(200_000)}`)),
        fc.integer({ min: 10, max: 100_000 }).map((d) => `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`),
      ),
      contentType: fc.constantFrom('application/json', 'application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'application/json; charset=nope', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', '', 'application/vnd.api+json', 'application/merge-patch+json'),
    })
    .map(({ who, body, contentType }) => ({ kind: 'post' as const, caller: who, contentType, body, bearer: true, what: `raw body (${contentType || 'no content type'})` }));
}

function getCase(): fc.Arbitrary<FuzzCase> {
  return fc
    .record({
      who: caller,
      method: fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'PATCH', 'POST'),
      path: fc.oneof(
        fc.oneof(fc.integer({ min: -5, max: 100_000 }).map(String), fc.constantFrom('0', '-1', '1.5', '1e3', '9007199254740993', '99999999999999999999', 'abc', '%00', '%', '..%2f..%2f', "1'", '1;', '1 or 1=1', '0x10', ' 1')).map((id) => `/api/v1/tasks/${id}`),
        fc.constantFrom('/api/v1/tasks/1?token=a&token=b', '/api/v1/tasks/1?token[]=x', '/api/v1/tasks/1?token=', '/api/v1/tasks/', '/api/v1/actions?x=1', '/ping', '/', '/api/v1', '/api/v2', '/ws', '/%', '/%E0%A4%A', '/api/v1/tasks/1/../2', '//api/v1/actions', '/api/v1/actions/..', '/.env'),
      ),
    })
    .map(({ who, method, path }) => ({ kind: 'get' as const, caller: who, method, path, what: `${method} ${path}` }));
}

function wsCase(): fc.Arbitrary<FuzzCase> {
  return fc
    .record({
      who: caller,
      message: fc.oneof(
        fc.record({ token: fc.constant('$TOKEN'), after: fc.oneof(fc.nat(), nastyValue) }).map((m) => JSON.stringify(m)),
        fc.record({ token: nastyValue, after: fc.nat() }).map((m) => JSON.stringify(m)),
        fc.tuple(fc.constantFrom(...NASTY_KEYS), nastyValue).map(([k, v]) => JSON.stringify(withKeys([['token', '$TOKEN'], ['after', 0], [k, v]]))),
        fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
        fc.string({ unit: 'binary', maxLength: 100 }),
        fc.constantFrom('', '{', 'x'.repeat(9000), `{"token": "$TOKEN", "after": ${'['.repeat(3000)}}`, '{"token": "$TOKEN", "after": 1e999}', '{"token": "$TOKEN", "after": -1}'),
      ),
      origin: fc.constantFrom<string | null>(null, null, null, 'http://evil.example', 'null', 'http://127.0.0.1:1', 'not a url'),
    })
    .map(({ who, message, origin }) => ({ kind: 'ws' as const, caller: who, message, origin, what: `ws first message (origin ${origin ?? 'none'})` }));
}

/** `count` cases from `seed`: mostly envelopes built from the schemas, then raw bodies, GETs and websocket hellos. */
export function generateCases(entries: CatalogueEntry[], seed: number, count: number): FuzzCase[] {
  const arb = fc.oneof(
    { weight: 12, arbitrary: envelopeCase(entries) },
    { weight: 3, arbitrary: rawCase() },
    { weight: 2, arbitrary: getCase() },
    { weight: 2, arbitrary: wsCase() },
  );
  return fc.sample(arb, { seed, numRuns: count });
}
