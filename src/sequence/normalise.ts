import type { RowKinds } from '../core/domain-set.js';
import { domains } from '../domains.js';

/**
 * Normalisation: the log keeps nothing that differs between two runs on fresh
 * databases. The names of the rows (`customer`, `document`...), the keys that
 * hold their ids and the words messages name them by come from the domain
 * manifests (`RowKinds`, `domains.rowKinds()`), never from this file.
 */

/** Keys whose values are instants: replaced by a placeholder (null stays null). */
const TIME_KEYS = new Set(['at', 'createdAt', 'updatedAt', 'startedAt', 'finishedAt', 'expiresAt', 'runAt', 'lastLoginAt', 'lastSentAt', 'firstOpenedAt', 'lastOpenedAt', 'firstClickedAt', 'lastClickedAt', 'registeredAt', 'previousExpiresAt']);
/** Keys whose values are secrets or random: replaced by a placeholder. */
const SECRET_KEYS = new Set(['token', 'requestId', 'messageId']);
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * Ids of the rows and tasks the sequence itself made, by kind (customer,
 * document, transfer, inquiry, task...): they are logged as `<kind:n>` (n
 * counts per kind in the order they were made), so the log does not depend on
 * what the bureau held before. Every other id (demo rows, users) stays as it is.
 */
export class OwnIds {
  private readonly byKind = new Map<string, Map<number, string>>();
  /** `<word> <id>` in a message, for every word of `kinds.messageWords`; null when there is none. */
  readonly messageIds: RegExp | null;

  constructor(readonly kinds: RowKinds = domains.rowKinds()) {
    const words = Object.keys(kinds.messageWords).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.messageIds = words.length ? new RegExp(`\\b(${words.join('|')}) (\\d+)\\b`, 'g') : null;
  }

  add(kind: string, id: unknown): void {
    if (typeof id !== 'number') return;
    const ids = this.byKind.get(kind) ?? new Map<number, string>();
    this.byKind.set(kind, ids);
    if (!ids.has(id)) ids.set(id, `<${kind}:${ids.size + 1}>`);
  }

  /**
   * Records the row a succeeded `action` made (its result's `id`, of the kind
   * `kinds.createdBy(action)`), and the user made with it (`invite_user`'s
   * `userId`: the manifests cannot say that an action makes two rows).
   */
  addMade(action: string, result: unknown): void {
    const made = this.kinds.createdBy(action);
    if (!made) return;
    const row = result as { id?: unknown; userId?: unknown } | undefined;
    this.add(made, row?.id);
    this.add('user', row?.userId);
  }

  label(kind: string | null, id: unknown): unknown {
    return kind && typeof id === 'number' ? (this.byKind.get(kind)?.get(id) ?? id) : id;
  }
}

/**
 * Sorted keys, `<time>` for instants, `<token>` for secrets, and `<kind:n>` for
 * the sequence's own ids. `kind` is what an `id` key at this level is about,
 * when the object does not say so itself with a `type` of `ids.kinds.typed`.
 */
export function normalise(value: unknown, ids: OwnIds = new OwnIds(), kind: string | null = null): unknown {
  const kinds = ids.kinds;
  if (Array.isArray(value)) return value.map((v) => normalise(v, ids, kind));
  if (typeof value === 'string') {
    if (ISO_DATE.test(value)) return '<time>';
    if (!ids.messageIds) return value;
    return value.replace(ids.messageIds, (_whole, word: string, id: string) => `${word} ${String(ids.label(kinds.messageWords[word] ?? null, Number(id)))}`);
  }
  if (typeof value !== 'object' || value === null) return value;
  const obj = value as Record<string, unknown>;
  const own = typeof obj.type === 'string' && kinds.typed.has(obj.type) ? obj.type : kind;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj).sort()) {
    const v = obj[key];
    if (TIME_KEYS.has(key) && v !== null && v !== undefined) out[key] = '<time>';
    else if (SECRET_KEYS.has(key) && v !== null && v !== undefined) out[key] = '<token>';
    else if (key === 'id') out[key] = ids.label(own, v);
    else if (Object.hasOwn(kinds.refKeys, key)) out[key] = ids.label(kinds.refKeys[key]!, v);
    else if (Object.hasOwn(kinds.listKeys, key)) out[key] = normalise(v, ids, kinds.listKeys[key]!);
    else if (key === 'result' && typeof obj.action === 'string') out[key] = normalise(v, ids, kinds.resultKindOf(obj.action));
    else out[key] = normalise(v, ids, null);
  }
  return out;
}

/** One line of the result log: `NN who action -> status {json}`. */
export function logLine(n: number, width: number, who: string | null | undefined, action: string, status: string | number, payload: unknown, ids: OwnIds): string {
  return `${String(n).padStart(width, '0')} ${who ?? '-'} ${action} -> ${status} ${JSON.stringify(normalise(payload, ids, ids.kinds.resultKindOf(action)))}`;
}
