import { ApiError, send, type CatalogueEntry, type ErrorBody, type User } from './api.js';
import { h } from './dom.js';
import { isFinal, type Feed, type FeedMessage, type FeedRow } from './feed.js';

/** What every view gets from the shell. */
export interface Ctx {
  user: User;
  /** The actions the user's role may run (from `GET /api/v1/actions`). */
  actions: CatalogueEntry[];
  /** Every public action (task search lists them all). */
  catalogue: CatalogueEntry[];
  feed: Feed;
  may(action: string): boolean;
  action(name: string): CatalogueEntry | undefined;
  navigate(hash: string): void;
  toast(text: string, kind?: 'ok' | 'error'): void;
}

export interface View {
  el: HTMLElement;
  dispose?(): void;
}

/**
 * Runs a read and returns its result: posts with `wait` and, if the reply comes
 * before the result, takes it from the feed. A failed task throws its error.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a read's result shape is the action's; callers name it when they rely on it
export async function read<T = any>(ctx: Ctx, action: string, data: unknown): Promise<T> {
  const r = await send(action, data, { wait: 15_000 });
  if (ctx.action(action)?.mode === 'inline') return r.body as T;
  const task = r.body.task as { id: number; action: string; status: string; result?: unknown; error?: ErrorBody };
  const row = ctx.feed.track(task, 'view');
  const final: Pick<FeedRow, 'status' | 'result' | 'error'> = isFinal(task.status) ? task : isFinal(row.status) ? row : await ctx.feed.waitFor(task.id);
  if (final.status === 'succeeded') return final.result as T;
  throw new ApiError(final.error ?? { code: 'INTERNAL', message: `The ${action} task ${final.status}.` }, 200);
}

/** Sends an action the user asked for; the task shows in the feed at once. */
export async function submit(ctx: Ctx, action: string, data: unknown): Promise<{ id: number; status: string; action: string } & Record<string, unknown>> {
  const r = await send(action, data);
  if (ctx.action(action)?.mode === 'inline') return { id: 0, status: 'succeeded', action, result: r.body };
  ctx.feed.track(r.body.task, 'sent');
  return r.body.task;
}

/**
 * Calls `reload` (debounced) whenever a feed message matches: views use it to
 * stay current when a notice or a result of a write arrives.
 */
export function refreshOn(ctx: Ctx, matches: (row: FeedRow, m: FeedMessage) => boolean, reload: () => void): () => void {
  let timer: number | null = null;
  return ctx.feed.onRow((row, m) => {
    if (!m || !matches(row, m)) return;
    if (timer !== null) clearTimeout(timer);
    timer = window.setTimeout(() => {
      timer = null;
      reload();
    }, 150);
  });
}

/** The error box a view shows instead of its content when a read fails: bureau's code and message. */
export function errorBox(err: unknown): HTMLElement {
  const body = err instanceof ApiError ? err.body : { code: 'INTERNAL', message: String((err as Error)?.message ?? err) };
  return h('div', { class: 'error-box', role: 'alert' }, h('strong', null, body.code), ' ', body.message);
}

export function pageHeader(title: string, subtitle?: string | Node | null, ...tools: (Node | null)[]): HTMLElement {
  return h('header', { class: 'page-header' }, h('div', null, h('h1', null, title), subtitle ? h('p', { class: 'subtitle' }, subtitle) : null), h('div', { class: 'tools' }, ...tools));
}

/** A modal built on <dialog>; resolves with the form's values, or null when cancelled. */
export function ask(title: string, fields: { name: string; label: string; kind: 'text' | 'textarea' | 'select'; options?: string[]; value?: string; required?: boolean }[], confirm: string): Promise<Record<string, string> | null> {
  return new Promise((resolve) => {
    const inputs = fields.map((f) => {
      const input =
        f.kind === 'textarea'
          ? h('textarea', { name: f.name, rows: 4, value: f.value ?? '' })
          : f.kind === 'select'
            ? h('select', { name: f.name }, ...(f.options ?? []).map((o) => h('option', { value: o, selected: o === f.value }, o)))
            : h('input', { name: f.name, type: 'text', value: f.value ?? '' });
      return { f, input, error: h('div', { class: 'field-error' }) };
    });
    const dialog = h('dialog', { class: 'modal' });
    const form = h(
      'form',
      { method: 'dialog', novalidate: true },
      h('h2', null, title),
      ...inputs.map(({ f, input, error }) => h('div', { class: 'field' }, h('label', null, f.label, f.required ? h('span', { class: 'req' }, ' *') : null), input, error)),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'primary', value: 'ok' }, confirm), h('button', { type: 'button', class: 'ghost', onclick: () => dialog.close('cancel') }, 'Cancel')),
    );
    form.addEventListener('submit', (ev) => {
      const missing = inputs.filter(({ f, input }) => f.required && !input.value.trim());
      for (const { error } of inputs) error.textContent = '';
      if (missing.length) {
        ev.preventDefault();
        for (const { error } of missing) error.textContent = 'required';
      }
    });
    dialog.append(form);
    dialog.addEventListener('close', () => {
      const ok = dialog.returnValue === 'ok';
      dialog.remove();
      resolve(ok ? Object.fromEntries(inputs.map(({ f, input }) => [f.name, input.value])) : null);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** A page of the console: a hash route, its navigation label ('' = not in the navigation) and its view. */
export interface Route {
  path: string;
  label: string;
  /** Shown only when this holds (the role may run the action behind the view). */
  show(ctx: Ctx): boolean;
  view(ctx: Ctx, params: string[]): View;
}
