/**
 * The path of the first string (or key) in a parsed JSON body that PostgreSQL
 * cannot store: one holding a NUL character or an unpaired UTF-16 surrogate
 * (JSON can spell both as `\u0000`, `\ud800`; text and jsonb refuse them, and
 * a NUL inside a query breaks the wire protocol). `null` when all is storable.
 * Walks iteratively, so a deeply nested body cannot overflow the stack.
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function findUnstorableText(value: unknown): string | null {
  const bad = (s: string) => s.includes('\u0000') || LONE_SURROGATE.test(s);
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (bad(v)) return path;
    } else if (v && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        const p = path ? `${path}.${k}` : k;
        if (bad(k)) return p;
        stack.push([child, p]);
      }
    }
  }
  return null;
}
