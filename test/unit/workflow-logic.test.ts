import assert from 'node:assert/strict';
import { workflowIssues } from '../../src/domains/workflows/definitions.js';
import { hostAllowed } from '../../src/domains/workflows/callouts.js';
import { conditionIssues, dataIssues, holds, schemaIssues, transform, TRANSFORM_LIMITS, transformIssues } from '../../src/domains/workflows/logic.js';
import { IT_REQUEST_WORKFLOW, type WorkflowSpec } from '../../src/domains/workflows/schemas.js';

describe('workflow definitions: the languages (ajv, json-logic-js, jsonata)', () => {
  it('accepts the demo "IT request" workflow', () => {
    assert.deepEqual(workflowIssues(IT_REQUEST_WORKFLOW), []);
  });

  it('refuses JSON Logic operators that are unknown or unsafe (method, log), naming the path', () => {
    assert.deepEqual(conditionIssues({ '>': [{ var: 'amount' }, 1000] }, 'c'), []);
    assert.match(conditionIssues({ method: [{ var: 'x' }, 'constructor'] }, 'c')[0]!.message, /not allowed/);
    assert.match(conditionIssues({ log: 'x' }, 'c')[0]!.message, /not allowed/);
    assert.deepEqual(conditionIssues({ and: [{ '==': [1, 1] }, { nope: [] }] }, 'c').map((i) => i.path), ['c.and.1']);
  });

  it('evaluates conditions with the library: no condition always holds', () => {
    assert.equal(holds(undefined, {}), true);
    assert.equal(holds({ '>': [{ var: 'amount' }, 1000] }, { amount: 1500 }), true);
    assert.equal(holds({ '>': [{ var: 'amount' }, 1000] }, { amount: 500 }), false);
    assert.equal(holds({ in: ['it', { var: 'tags' }] }, { tags: ['hr', 'it'] }), true);
  });

  it('checks JSON Schemas and data against them, issues naming the field', () => {
    assert.deepEqual(schemaIssues({ type: 'object', properties: { a: { type: 'string' } } }, 's'), []);
    assert.equal(schemaIssues({ type: 'nonsense' }, 's')[0]!.path, 's.type');
    const schema = { type: 'object', required: ['item'], properties: { amount: { type: 'number' } } };
    assert.deepEqual(dataIssues(schema, { amount: 'x' }, 'output').map((i) => i.path).sort(), ['output.amount', 'output.item']);
    assert.deepEqual(dataIssues(null, 'anything', 'output'), []);
  });

  it('parses and applies JSONata transforms', async () => {
    assert.deepEqual(transformIssues('{ "a": b }', 't'), []);
    assert.match(transformIssues('{ "a": ', 't')[0]!.message, /not a valid JSONata expression/);
    assert.deepEqual(await transform('{ "total": amount * 2 }', { amount: 21 }), { total: 42 });
    assert.deepEqual(await transform(null, { a: 1 }), { a: 1 });
    assert.equal(await transform('missing', {}), null);
  });

  it('stops a runaway JSONata transform at its bounds (time, depth, sequence length) instead of running unbounded', async () => {
    const code = async (expr: string) => {
      try {
        await transform(expr, { n: 1 });
        return 'finished';
      } catch (err) {
        return (err as { code?: string }).code;
      }
    };
    // Endless recursion: stopped by the time or depth guardrail, whichever comes first.
    assert.ok(['D1011', 'D1012'].includes(String(await code('($f := function($x){ $f($x + 1) }; $f(0))'))));
    // Exponential work: stopped by the time limit.
    assert.equal(await code('($f := function($n){ $n <= 1 ? $n : $f($n - 1) + $f($n - 2) }; $f(40))'), 'D1012');
    // Deep but not endless nesting beyond the stack bound.
    assert.equal(await code(`($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(${TRANSFORM_LIMITS.stack * 2}))`), 'D1011');
    // A huge sequence.
    assert.equal(await code('$count([1..10000000].($ * 2))'), 'D2015');
    // Ordinary transforms are untouched.
    assert.deepEqual(await transform('{ "sum": $sum([1..1000]) }', {}), { sum: 500500 });
  });

  it('refuses a workflow with no start task, a duplicated key and a transition to nowhere', () => {
    const spec: WorkflowSpec = { title: 'x', tasks: [{ key: 'a', title: 'A', type: 'FORM' }, { key: 'a', title: 'B', type: 'FORM' }], transitions: [{ from: 'a', to: 'z' }] };
    assert.deepEqual(workflowIssues(spec).map((i) => i.path).sort(), ['tasks', 'tasks.1.key', 'transitions.0.to']);
  });

  it('allows only listed hosts (name, or name:port) over http(s)', () => {
    assert.equal(hostAllowed('http://127.0.0.1:8080/x', ['127.0.0.1']), true);
    assert.equal(hostAllowed('http://127.0.0.1:8080/x', ['127.0.0.1:9090']), false);
    assert.equal(hostAllowed('https://api.example.com/x', ['api.example.com:443', 'other']), false);
    assert.equal(hostAllowed('https://api.example.com/x', ['api.example.com']), true);
    assert.equal(hostAllowed('http://localhost/x', ['127.0.0.1']), false);
    assert.equal(hostAllowed('file:///etc/passwd', ['']), false);
    assert.equal(hostAllowed('http://anything/', []), false);
  });
});
