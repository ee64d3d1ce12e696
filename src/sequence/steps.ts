import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * A sequence file (`fixtures/sequences/<name>.json`): a scripted list of tasks
 * sent to a RUNNING bureau through its public API, whose normalised result log
 * is compared with `validation/<name>.log`.
 *
 * A step acts as a demo user (`who`, a login email) and sends `task` exactly as
 * a client would. `{"$ref": "steps.<N|name>.<path>"}` anywhere inside `data`
 * is replaced by a value from an earlier step's record (N is the step number
 * printed in the log, 1-based; a step may also carry a `name`):
 *   - `steps.N.status`: the final task status (`succeeded`, `failed`, ...) of a
 *     queued action, else the HTTP status (200 for an inline action, 4xx for a
 *     rejected request);
 *   - `steps.N.result...`: the result (of a queued task, or an inline action's body);
 *   - `steps.N.error.code` / `.message` / `.details...`: the error;
 *   - `steps.N.task.id`: the task id of a queued action;
 *   - `steps.N.http`: the HTTP status of the POST.
 *
 * `{run}` inside a string of `data` becomes a tag unique to this run (so a
 * sequence that invites an email address can run again against the same
 * bureau); the log shows it as `{run}`. A step with `until: {path, equals}` is
 * sent again (every 100 ms, up to the result timeout) until the value at `path`
 * of its record equals `equals`: for outcomes that arrive asynchronously, such
 * as an invitation becoming `invited` once its email went out. Only the last
 * attempt is logged.
 */

const StepSchema = z.strictObject({
  /** Optional label, so later steps can write `steps.<name>...` instead of a number. */
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a label like new_customer').optional(),
  /** Free text for the reader of the sequence; ignored. */
  note: z.string().optional(),
  /** The demo login (email) to act as; absent or null = no token (anonymous). */
  who: z.string().min(1).nullable().optional(),
  task: z.strictObject({
    action: z.string().min(1),
    data: z.unknown().optional(),
    key: z.string().optional(),
  }),
  until: z.strictObject({ path: z.string().min(1), equals: z.unknown() }).optional(),
});

export const SequenceSchema = z.strictObject({
  name: z.string().optional(),
  description: z.string().optional(),
  steps: z.array(StepSchema).min(1),
});

export type SequenceStep = z.infer<typeof StepSchema>;
export type Sequence = z.infer<typeof SequenceSchema>;

/** What a later step can reference. */
export interface StepRecord {
  /** Final task status of a queued action, or the HTTP status of an inline/rejected one. */
  status: string | number;
  http: number;
  task?: { id: number };
  result?: unknown;
  error?: { code?: string; message?: string; details?: unknown };
}

export class SequenceError extends Error {
  override name = 'SequenceError';
}

export function parseSequence(raw: unknown): Sequence {
  const parsed = SequenceSchema.safeParse(raw);
  if (!parsed.success) {
    throw new SequenceError(`invalid sequence: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  const names = new Set<string>();
  parsed.data.steps.forEach((s, i) => {
    if (s.name === undefined) return;
    if (/^\d+$/.test(s.name) || names.has(s.name)) throw new SequenceError(`step ${i + 1}: duplicate or numeric name "${s.name}"`);
    names.add(s.name);
  });
  return parsed.data;
}

export function loadSequence(path: string): Sequence {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new SequenceError(`cannot read sequence ${path}: ${(err as Error).message}`);
  }
  return parseSequence(raw);
}

function isRef(v: unknown): v is { $ref: string } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { $ref?: unknown }).$ref === 'string';
}

/**
 * Replaces every `{"$ref": "steps.N.path"}` inside `value` by the value at that
 * path in the earlier steps' records. `records[i]` is step i + 1; `names` maps
 * step names to their index. An unresolvable path throws: the sequence is wrong.
 */
export function resolveRefs(value: unknown, records: readonly StepRecord[], names: ReadonlyMap<string, number> = new Map()): unknown {
  if (isRef(value)) return lookup(value.$ref, records, names);
  if (Array.isArray(value)) return value.map((v) => resolveRefs(v, records, names));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveRefs(v, records, names)]));
  }
  return value;
}

function lookup(ref: string, records: readonly StepRecord[], names: ReadonlyMap<string, number>): unknown {
  const [head, step, ...path] = ref.split('.');
  if (head !== 'steps' || step === undefined || step === '') throw new SequenceError(`bad $ref "${ref}": it must start with steps.<number or name>.`);
  const index = /^\d+$/.test(step) ? Number(step) - 1 : names.get(step);
  if (index === undefined || index < 0 || index >= records.length) throw new SequenceError(`bad $ref "${ref}": no earlier step ${step}.`);
  let cur: unknown = records[index];
  for (const key of path) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, key)) {
      throw new SequenceError(`bad $ref "${ref}": step ${index + 1} has nothing at "${key}" (record: ${JSON.stringify(records[index])}).`);
    }
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** Replaces `{run}` in every string of `data` with this run's tag. */
export function withRunTag(value: unknown, run: string): unknown {
  if (typeof value === 'string') return value.replaceAll('{run}', run);
  if (Array.isArray(value)) return value.map((v) => withRunTag(v, run));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withRunTag(v, run)]));
  return value;
}

/** The value at a dotted path of a step's record (`result.status`), or undefined. */
export function pick(record: StepRecord, path: string): unknown {
  let cur: unknown = record;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}
