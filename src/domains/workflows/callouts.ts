import type { ErrorCode } from '../../core/errors.js';
import { findUnstorableText } from '../../core/unstorable.js';

/**
 * The outbound call of an action task, made after its task's transaction has
 * committed (`ctx.afterCommit`), never inside one. Only hosts of the
 * allow-list are called, redirects are never followed (a 3xx is a failure), and
 * the call is cut at its timeout.
 */

/** Whether `url`'s host (`name`, or `name:port`) is in the allow-list. */
export function hostAllowed(url: string, allowed: readonly string[]): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
  return allowed.includes(u.hostname.toLowerCase()) || allowed.includes(u.host.toLowerCase());
}

export type CallOutcome = { ok: true; status: number; body: unknown } | { ok: false; code: Extract<ErrorCode, 'CALLOUT_FAILED' | 'CALLOUT_TIMEOUT'>; message: string; status?: number };

const MAX_BODY = 1_000_000;

export async function callOut(url: string, body: unknown, timeoutMs: number, headers: Record<string, string> = {}): Promise<CallOutcome> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body: JSON.stringify(body ?? null),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    if (res.status >= 300 && res.status < 400) {
      return { ok: false, code: 'CALLOUT_FAILED', status: res.status, message: `The action answered ${res.status} (a redirect${res.headers.get('location') ? ` to ${new URL(res.headers.get('location')!, url).host}` : ''}); redirects are not followed.` };
    }
    if (res.status < 200 || res.status >= 300) return { ok: false, code: 'CALLOUT_FAILED', status: res.status, message: `The action answered ${res.status}.` };
    if (text.length > MAX_BODY) return { ok: false, code: 'CALLOUT_FAILED', status: res.status, message: `The reply is larger than ${MAX_BODY} characters.` };
    let parsed: unknown = null;
    if (text.trim()) {
      try {
        parsed = JSON.parse(text);
      } catch {
        return { ok: false, code: 'CALLOUT_FAILED', status: res.status, message: 'The reply is not JSON.' };
      }
    }
    if (findUnstorableText(parsed) !== null) return { ok: false, code: 'CALLOUT_FAILED', status: res.status, message: 'The reply holds text that cannot be stored (a NUL character or an unpaired surrogate).' };
    return { ok: true, status: res.status, body: parsed };
  } catch (err) {
    const e = err as { name?: string; message?: string };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return { ok: false, code: 'CALLOUT_TIMEOUT', message: `No reply within ${Math.round(timeoutMs / 1000)} s.` };
    return { ok: false, code: 'CALLOUT_FAILED', message: `The call failed: ${e.message ?? 'network error'}.` };
  }
}
