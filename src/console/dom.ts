/**
 * A tiny hyperscript helper: every element of the console is built with `h()`,
 * text always goes in as text nodes (never as HTML), and listeners are attached
 * with addEventListener, so the page runs under a CSP without 'unsafe-inline'.
 */
export type Child = Node | string | number | null | undefined | false | Child[];
type Props = Record<string, unknown>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props?: Props | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2).toLowerCase(), value as EventListener);
    else if (key === 'class') el.className = String(value);
    else if (key === 'value' || key === 'checked' || key === 'selected') (el as unknown as Record<string, unknown>)[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });

export const fmtTime = (at: string | number | Date) => timeFmt.format(new Date(at));
export const fmtDateTime = (at: string | number | Date | null | undefined) => (at ? dateTimeFmt.format(new Date(at)) : '—');

/** A coloured status pill; the colour comes from the status name (CSS `.badge-<status>`). */
export function badge(status: string, extra = ''): HTMLElement {
  return h('span', { class: `badge badge-${status.replace(/[^a-z_]/g, '')} ${extra}`.trim(), 'data-status': status }, status.replace(/_/g, ' '));
}

/** Pretty JSON in a <pre>, collapsed behind a <details> toggle. */
export function jsonDetails(summary: string, value: unknown, open = false): HTMLElement {
  return h('details', { class: 'json', open }, h('summary', null, summary), h('pre', null, JSON.stringify(value, null, 2)));
}

export function emptyRow(cols: number, text: string): HTMLElement {
  return h('tr', { class: 'empty' }, h('td', { colspan: cols }, text));
}
