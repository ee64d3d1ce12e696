import { Ajv, type ValidateFunction } from 'ajv';
import jsonata from 'jsonata';
import jsonLogic from 'json-logic-js';

/**
 * The three languages a definition speaks, each a kept library: JSON Schema
 * (ajv, draft-07) for inputs and outputs, JSON Logic (json-logic-js) for
 * transition conditions, JSONata for input and output transforms. bureau
 * evaluates none of them by hand.
 */

const ajv = new Ajv({ allErrors: true, strict: false });
/** JSON Logic's `method` calls any method of any value, and `log` writes to the console: neither belongs in stored conditions. */
const FORBIDDEN_OPS = ['method', 'log'];
for (const op of FORBIDDEN_OPS) jsonLogic.rm_operation(op);
const LOGIC_OPS = new Set(['==', '===', '!=', '!==', '>', '>=', '<', '<=', '!!', '!', '%', 'in', 'cat', 'substr', '+', '*', '-', '/', 'min', 'max', 'merge', 'var', 'missing', 'missing_some', 'if', '?:', 'and', 'or', 'filter', 'map', 'reduce', 'all', 'none', 'some']);

export interface Issue {
  path: string;
  message: string;
}

/** Problems with a JSON Schema (empty = a valid schema). */
export function schemaIssues(schema: unknown, path: string): Issue[] {
  if (ajv.validateSchema(schema as object) !== true) {
    return (ajv.errors ?? []).map((e) => ({ path: `${path}${e.instancePath.replaceAll('/', '.')}`, message: `not a valid JSON Schema: ${e.message ?? 'invalid'}` }));
  }
  try {
    compiled(schema);
    return [];
  } catch (err) {
    return [{ path, message: `not a valid JSON Schema: ${(err as Error).message}` }];
  }
}

const cache = new Map<string, ValidateFunction>();
function compiled(schema: unknown): ValidateFunction {
  const key = JSON.stringify(schema);
  let fn = cache.get(key);
  if (!fn) {
    // Schemas come from the database: keep ajv's own cache from growing for ever.
    if (cache.size >= 500) {
      cache.clear();
      ajv.removeSchema();
    }
    fn = ajv.compile(schema as object);
    cache.set(key, fn);
  }
  return fn;
}

/** Where `data` breaks `schema`, as issues under `path` (empty = it matches; no schema = anything goes). */
export function dataIssues(schema: unknown, data: unknown, path: string): Issue[] {
  if (schema == null) return [];
  const validate = compiled(schema);
  if (validate(data)) return [];
  return (validate.errors ?? []).map((e) => ({
    path: [path, ...e.instancePath.split('/').filter(Boolean), ...(e.keyword === 'required' ? [String((e.params as { missingProperty?: string }).missingProperty)] : [])].filter(Boolean).join('.'),
    message: e.message ?? 'invalid',
  }));
}

/** Problems with a JSON Logic rule: unknown or forbidden operators, or one that fails on empty data. */
export function conditionIssues(rule: unknown, path: string): Issue[] {
  const issues: Issue[] = [];
  const walk = (node: unknown, at: string) => {
    if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${at}.${i}`));
    if (node === null || typeof node !== 'object') return;
    const keys = Object.keys(node);
    if (keys.length !== 1) return void issues.push({ path: at, message: 'a JSON Logic operation is an object with exactly one key (the operator)' });
    const op = keys[0]!;
    if (!LOGIC_OPS.has(op)) return void issues.push({ path: at, message: FORBIDDEN_OPS.includes(op) ? `the operator "${op}" is not allowed` : `unknown JSON Logic operator "${op}"` });
    walk((node as Record<string, unknown>)[op], `${at}.${op}`);
  };
  walk(rule, path);
  if (issues.length) return issues;
  try {
    jsonLogic.apply(rule as jsonLogic.RulesLogic, {});
  } catch (err) {
    issues.push({ path, message: `the condition fails: ${(err as Error).message}` });
  }
  return issues;
}

/** Whether a transition's condition holds on the workflow data (no condition = always). */
export function holds(rule: unknown, data: Record<string, unknown>): boolean {
  if (rule === null || rule === undefined) return true;
  return Boolean(jsonLogic.truthy(jsonLogic.apply(rule as jsonLogic.RulesLogic, data)));
}

/** Problems with a JSONata expression (empty = it parses). */
export function transformIssues(expr: string, path: string): Issue[] {
  try {
    jsonata(expr);
    return [];
  } catch (err) {
    const e = err as { message?: string; position?: number };
    return [{ path, message: `not a valid JSONata expression: ${e.message ?? 'parse error'}${e.position !== undefined ? ` (at ${e.position})` : ''}` }];
  }
}

/**
 * Bounds on one transform's evaluation, with jsonata's own guardrails
 * (`timeout`, `stack`, `sequence` options of `jsonata(expr, options)`): a
 * transform that runs longer, recurses deeper or builds a longer sequence is
 * stopped with an error (D1012, D1011, D2015), which fails its task like any
 * other transform error. The timeout is checked at every evaluation step, so a
 * runaway expression (endless recursion, huge ranges mapped) cannot hold a
 * worker. Expressions themselves are at most 10,000 characters (the door's schema).
 */
export const TRANSFORM_LIMITS = { timeout: 1_000, stack: 200, sequence: 100_000 } as const;

/** Applies a JSONata transform (none = the data itself) within TRANSFORM_LIMITS; undefined results become null. */
export async function transform(expr: string | null | undefined, data: unknown): Promise<unknown> {
  if (!expr) return data;
  const out: unknown = await jsonata(expr, { ...TRANSFORM_LIMITS }).evaluate(data);
  // JSONata's results are null-prototype objects and tagged arrays: keep plain JSON.
  return out === undefined ? null : (JSON.parse(JSON.stringify(out)) as unknown);
}
