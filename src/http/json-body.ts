import type { Context } from 'koa';
import { AppError } from '../core/errors.js';

/**
 * `256kb`, `1mb`, `1024` as a number of bytes (1kb = 1024, as the body parser
 * reads BODY_LIMIT); null when it is not such a size.
 */
export function byteSize(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(text);
  if (!m) return null;
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b'];
  return Math.floor(Number(m[1]) * unit);
}

/** A `"__proto__":` key, spelled plainly or with JSON escapes (the check @hapi/bourne makes before scanning). */
const SUSPECT_PROTO = /"(?:_|\\u005[Ff])(?:_|\\u005[Ff])(?:p|\\u0070)(?:r|\\u0072)(?:o|\\u006[Ff])(?:t|\\u0074)(?:o|\\u006[Ff])(?:_|\\u005[Ff])(?:_|\\u005[Ff])"\s*:/;
/** RFC 8259 whitespace, then an object or an array (co-body's strict mode). */
const STRICT_START = /^[ \t\n\r]*[[{]/;

const badJson = () => new AppError('BAD_JSON', 'The request body is not valid JSON.');
const tooLarge = () => new AppError('PAYLOAD_TOO_LARGE', 'The request body is larger than the limit.');
const incomplete = () => new AppError('BAD_ENVELOPE', 'The request body was incomplete.');

/** Whether a parsed body holds a `__proto__` key anywhere (prototype poisoning: refused, as the body parser refuses it). */
function holdsProto(value: unknown): boolean {
  const stack = [value];
  while (stack.length) {
    const node = stack.pop();
    if (!node || typeof node !== 'object') continue;
    if (Object.prototype.hasOwnProperty.call(node, '__proto__')) return true;
    for (const child of Object.values(node)) if (child && typeof child === 'object') stack.push(child);
  }
  return false;
}

/**
 * The JSON body of a request in the usual shape (`Content-Type:
 * application/json`, optionally `; charset=utf-8`, a `Content-Length`, no
 * `Content-Encoding`), read straight from the socket: what @koa/bodyparser does
 * for it (co-body, raw-body, iconv-lite, @hapi/bourne and their per-request
 * option handling) cost a few percent of the web process's CPU per action.
 * Answers as the body parser does: a body over `limit` is PAYLOAD_TOO_LARGE
 * (413), a short or aborted one BAD_ENVELOPE, text that is not a JSON object or
 * array, or holds a `__proto__` key, BAD_JSON; an empty body is `{}`.
 *
 * Returns undefined, reading nothing, for any other request: the caller hands
 * it to the full body parser (gzip, other charsets, chunked uploads).
 */
export function readPlainJson(ctx: Context, limit: number): Promise<unknown> | undefined {
  const req = ctx.req;
  const type = req.headers['content-type'];
  if (type !== 'application/json' && type?.toLowerCase().replace(/\s/g, '') !== 'application/json;charset=utf-8') return undefined;
  const encoding = req.headers['content-encoding'];
  if ((encoding !== undefined && encoding !== 'identity') || req.readableEnded || req.destroyed) return undefined;
  const lengthHeader = req.headers['content-length'];
  if (lengthHeader === undefined || !/^\d+$/.test(lengthHeader)) return undefined;
  const length = Number(lengthHeader);
  if (length > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAbort);
      req.off('aborted', onAbort);
      req.off('close', onClose);
    };
    const fail = (err: AppError) => {
      cleanup();
      // Unread data would otherwise stay in the socket's buffer until the reply.
      req.resume();
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > length) fail(received > limit ? tooLarge() : incomplete());
      else chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      if (received !== length) return reject(incomplete());
      let text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, received).toString('utf8');
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (!text) return resolve({});
      if (!STRICT_START.test(text)) return reject(badJson());
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return reject(badJson());
      }
      if (SUSPECT_PROTO.test(text) && holdsProto(parsed)) return reject(badJson());
      resolve(parsed);
    };
    const onAbort = () => fail(incomplete());
    const onClose = () => {
      if (!req.readableEnded) fail(incomplete());
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    req.on('aborted', onAbort);
    req.on('close', onClose);
  });
}
