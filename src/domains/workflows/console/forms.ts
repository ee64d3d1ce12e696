import type { CatalogueEntry, JsonSchema } from '../../../console/api.js';
import { badge, h } from '../../../console/dom.js';
import { schemaForm, type SchemaForm } from '../../../console/schema-form.js';

/** Declarative layout hints (never code): field order and help text. */
export interface Layout {
  order?: string[];
  labels?: Record<string, string>;
  help?: Record<string, string>;
}

/**
 * A form generated from a stored JSON Schema (a task's output schema, a ticket
 * type's data schema), laid out by the definition's declarative hints. It goes
 * out as `action`'s `data.<under>`; bureau's issues (`<under>.field`) land
 * next to their field.
 */
export function dataForm(action: string, schema: JsonSchema | null, layout: Layout | null, onSubmit: (data: Record<string, unknown>, form: SchemaForm) => Promise<void>, submitLabel: string): SchemaForm {
  const props = { ...(schema?.properties ?? {}) };
  const order = [...(layout?.order ?? []).filter((k) => k in props), ...Object.keys(props).filter((k) => !(layout?.order ?? []).includes(k))];
  const properties = Object.fromEntries(
    order.map((k) => {
      const s = props[k]! as JsonSchema & { title?: string };
      const hint = layout?.help?.[k] ?? layout?.labels?.[k] ?? s.title ?? s.description;
      return [k, hint ? { ...s, description: hint } : s];
    }),
  );
  const entry: CatalogueEntry = { name: action, summary: '', roles: [], mode: 'queued', worker: '', schema: { type: 'object', properties, required: schema?.required ?? [] }, example: {} };
  return schemaForm(entry, { submitLabel, onSubmit });
}

/** Moves bureau's `<under>.<field>` issue paths to `<field>`, so the form shows them by the field. */
export function unwrapIssues<T extends { details?: { issues?: { path?: string; message: string }[] } }>(err: T, under: string): T {
  const issues = err.details?.issues?.map((i) => ({ ...i, path: String(i.path ?? '').replace(new RegExp(`^${under}\\.?`), '') }));
  return issues ? { ...err, details: { ...err.details, issues } } : err;
}

export const status = (s: string) => badge(s.toLowerCase());

/** `{key: value}` as a small definition list. */
export function dataList(data: unknown): HTMLElement {
  if (data === null || typeof data !== 'object') return h('span', { class: 'muted' }, data === null || data === undefined ? '—' : JSON.stringify(data));
  return h('dl', { class: 'kv' }, ...Object.entries(data as Record<string, unknown>).flatMap(([k, v]) => [h('dt', null, k), h('dd', null, typeof v === 'object' ? JSON.stringify(v) : String(v))]));
}
