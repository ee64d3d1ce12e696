import { ApiError, type CatalogueEntry, type ErrorBody, type JsonSchema } from './api.js';
import { h, replace } from './dom.js';

/**
 * A form generated from an action's JSON Schema (from the catalogue): one field
 * per property, typed by the schema (text, number, yes/no, choice, date, JSON),
 * required ones marked, the action's example as placeholders. A new action gets
 * its form with no console change. Errors are bureau's own messages, put next
 * to the field they name (`details.issues[].path`, `details.field`).
 */
export interface SchemaForm {
  el: HTMLFormElement;
  showError(err: ErrorBody): void;
  clearErrors(): void;
  setBusy(busy: boolean): void;
  status: HTMLElement;
}

interface Field {
  name: string;
  schema: JsonSchema;
  required: boolean;
  input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
  error: HTMLElement;
  wrap: HTMLElement;
  read(): { value?: unknown; problem?: string };
}

const typeOf = (s: JsonSchema): string => (Array.isArray(s.type) ? (s.type.find((t) => t !== 'null') ?? 'string') : (s.type ?? (s.anyOf ? 'anyOf' : s.enum ? 'enum' : 'json')));

function label(name: string): string {
  const words = name === 'cid' ? 'customer id' : name.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/_/g, ' ').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function placeholderOf(example: unknown): string {
  if (example === undefined || example === null) return '';
  return typeof example === 'object' ? JSON.stringify(example) : String(example);
}

function buildField(name: string, schema: JsonSchema, required: boolean, example: unknown, initial: unknown, fixed: boolean): Field {
  const id = `f-${name}-${Math.random().toString(36).slice(2, 7)}`;
  const type = schema.enum ? 'enum' : typeOf(schema);
  const hint = schema.description ?? '';
  let input: Field['input'];
  let read: Field['read'];
  const text = (v: string) => v.trim();

  if (type === 'enum') {
    const select = h('select', { id, name }, required ? null : h('option', { value: '' }, '—'), ...(schema.enum ?? []).map((v) => h('option', { value: String(v) }, String(v))));
    if (required && initial === undefined) select.value = String(schema.enum?.[0] ?? '');
    input = select;
    read = () => (select.value === '' ? {} : { value: schema.enum?.find((v) => String(v) === select.value) ?? select.value });
  } else if (type === 'boolean') {
    if (required) {
      const box = h('input', { id, name, type: 'checkbox', class: 'check' });
      input = box;
      read = () => ({ value: box.checked });
    } else {
      const select = h('select', { id, name }, h('option', { value: '' }, '—'), h('option', { value: 'true' }, 'yes'), h('option', { value: 'false' }, 'no'));
      input = select;
      read = () => (select.value === '' ? {} : { value: select.value === 'true' });
    }
  } else if (type === 'integer' || type === 'number') {
    const el = h('input', { id, name, type: 'text', inputmode: type === 'integer' ? 'numeric' : 'decimal', autocomplete: 'off', placeholder: placeholderOf(example) });
    input = el;
    // Text, not type=number: what the user typed reaches bureau, which says what is wrong with it.
    read = () => {
      const v = text(el.value);
      if (v === '') return {};
      const n = Number(v);
      return { value: Number.isFinite(n) ? n : v };
    };
  } else if (type === 'string' && schema.format === 'date-time') {
    const el = h('input', { id, name, type: 'datetime-local', step: 1 });
    input = el;
    read = () => {
      if (!el.value) return {};
      const d = new Date(el.value);
      return Number.isNaN(d.getTime()) ? { value: el.value } : { value: d.toISOString() };
    };
  } else if (type === 'string' || type === 'anyOf') {
    const long = type === 'string' && (schema.maxLength ?? 0) > 500;
    const numberOnly = type === 'anyOf' && !(schema.anyOf ?? []).some((s) => typeOf(s) === 'string');
    const el = long ? h('textarea', { id, name, rows: 3, placeholder: placeholderOf(example) }) : h('input', { id, name, type: 'text', autocomplete: 'off', placeholder: placeholderOf(example) });
    input = el;
    read = () => {
      if (el.value.trim() === '') return {};
      if (numberOnly && Number.isFinite(Number(el.value))) return { value: Number(el.value) };
      return { value: el.value };
    };
  } else {
    const el = h('textarea', { id, name, rows: 3, class: 'mono', placeholder: placeholderOf(example) });
    input = el;
    read = () => {
      if (el.value.trim() === '') return {};
      try {
        return { value: JSON.parse(el.value) as unknown };
      } catch {
        return { problem: 'not valid JSON' };
      }
    };
  }
  if (initial !== undefined) {
    if (input instanceof HTMLInputElement && input.type === 'checkbox') input.checked = Boolean(initial);
    else input.value = typeof initial === 'object' ? JSON.stringify(initial) : String(initial);
  }
  if (fixed) input.setAttribute('readonly', '');
  const error = h('div', { class: 'field-error', role: 'alert' });
  const wrap = h(
    'div',
    { class: `field field-${type}`, 'data-field': name },
    h('label', { for: id }, label(name), required ? h('span', { class: 'req', title: 'required' }, ' *') : null),
    input,
    hint ? h('div', { class: 'hint' }, hint) : null,
    error,
  );
  return { name, schema, required, input, error, wrap, read };
}

export function schemaForm(
  action: CatalogueEntry,
  opts: { initial?: Record<string, unknown>; fixed?: string[]; submitLabel?: string; onSubmit(data: Record<string, unknown>, form: SchemaForm): Promise<void> },
): SchemaForm {
  const props = action.schema.properties ?? {};
  const required = new Set(action.schema.required ?? []);
  const fields = Object.entries(props).map(([name, s]) =>
    buildField(name, s, required.has(name), action.example?.[name], opts.initial?.[name], opts.fixed?.includes(name) ?? false),
  );
  const formError = h('div', { class: 'form-error', role: 'alert' });
  const status = h('div', { class: 'form-status' });
  const button = h('button', { type: 'submit', class: 'primary' }, opts.submitLabel ?? 'Send');
  // "Edit as JSON": the same `data`, typed by hand (nested input, or to see what bureau says about any shape).
  const raw = h('textarea', { class: 'mono raw-json', rows: 8, name: '__json', 'aria-label': `${action.name} data as JSON`, hidden: true });
  const fieldBox = h('div', { class: 'fields' }, fields.length ? fields.map((f) => f.wrap) : h('p', { class: 'muted' }, 'This action takes no input.'));
  const rawToggle = h('button', { type: 'button', class: 'link', 'data-do': 'toggle-json' }, 'Edit as JSON');
  rawToggle.addEventListener('click', () => {
    const toJson = raw.hidden;
    if (toJson) raw.value = JSON.stringify(Object.keys(readFields().data).length ? readFields().data : (action.example ?? {}), null, 2);
    raw.hidden = !toJson;
    fieldBox.hidden = toJson;
    rawToggle.textContent = toJson ? 'Back to the form' : 'Edit as JSON';
  });
  const readFields = () => {
    const data: Record<string, unknown> = {};
    const problems: { path: string; message: string }[] = [];
    for (const f of fields) {
      const { value, problem } = f.read();
      if (problem) problems.push({ path: f.name, message: problem });
      else if (value !== undefined) data[f.name] = value;
    }
    return { data, problems };
  };
  const el = h(
    'form',
    { class: 'schema-form', novalidate: true, 'data-action': action.name },
    fieldBox,
    raw,
    h('div', { class: 'form-tools' }, rawToggle),
    formError,
    h('div', { class: 'form-actions' }, button, status),
  );

  const form: SchemaForm = {
    el,
    status,
    clearErrors() {
      for (const f of fields) {
        f.wrap.classList.remove('invalid');
        f.error.textContent = '';
      }
      replace(formError);
    },
    showError(err) {
      form.clearErrors();
      const byField = new Map<string, string[]>();
      const rest: string[] = [];
      for (const issue of err.details?.issues ?? []) {
        const top = String(issue.path ?? '').split('.')[0] ?? '';
        if (raw.hidden && fields.some((f) => f.name === top)) byField.set(top, [...(byField.get(top) ?? []), issue.message]);
        else rest.push(issue.path ? `${issue.path}: ${issue.message}` : issue.message);
      }
      if (raw.hidden && typeof err.details?.field === 'string' && fields.some((f) => f.name === err.details!.field)) {
        byField.set(err.details.field, [...(byField.get(err.details.field) ?? []), err.message]);
      }
      for (const f of fields) {
        const msgs = byField.get(f.name);
        if (!msgs) continue;
        f.wrap.classList.add('invalid');
        f.error.textContent = msgs.join('; ');
      }
      if (!byField.size || rest.length) {
        replace(formError, h('strong', null, err.code), ' ', byField.size && rest.length ? rest.join('; ') : err.message);
      }
      (fields.find((f) => byField.has(f.name))?.input ?? button).focus();
    },
    setBusy(busy) {
      button.disabled = busy;
      el.classList.toggle('busy', busy);
    },
  };

  el.addEventListener('submit', (ev) => {
    ev.preventDefault();
    form.clearErrors();
    let { data, problems } = readFields();
    if (!raw.hidden) {
      try {
        data = JSON.parse(raw.value) as Record<string, unknown>;
        problems = [];
      } catch {
        return form.showError({ code: 'BAD_JSON', message: 'That is not valid JSON.' });
      }
    }
    if (problems.length) return form.showError({ code: 'VALIDATION_FAILED', message: 'Some fields could not be read.', details: { issues: problems } });
    form.setBusy(true);
    opts
      .onSubmit(data, form)
      .catch((err: unknown) => form.showError(err instanceof ApiError ? err.body : { code: 'INTERNAL', message: String((err as Error)?.message ?? err) }))
      .finally(() => form.setBusy(false));
  });
  return form;
}
