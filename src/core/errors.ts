/**
 * The one error type of bureau and its catalogue. Every failure a caller can see
 * has a code here; `docs/errors.md` is generated from this table and a test fails
 * when the two drift apart.
 */
export const ERROR_CATALOGUE = {
  BAD_JSON: { status: 400, retryable: false, summary: 'The request body is not valid JSON.' },
  BAD_ENVELOPE: { status: 400, retryable: false, summary: 'The body is not a `{token?, task: {action, data?, key?}, wait?}` envelope (missing or extra key, wrong type).' },
  UNKNOWN_ACTION: { status: 400, retryable: false, summary: 'No action has that name; `details.known` lists the actions there are.' },
  VALIDATION_FAILED: { status: 400, retryable: false, summary: '`data` does not match the action\'s schema; `details.issues` names each bad field.' },
  UNAUTHENTICATED: { status: 401, retryable: false, summary: 'No token, or a token that is unknown, revoked or expired.' },
  INVALID_CREDENTIALS: { status: 401, retryable: false, summary: 'Login name or password is wrong.' },
  FORBIDDEN: { status: 403, retryable: false, summary: 'The caller\'s role may not run this action or touch this item.' },
  LEVEL_TOO_LOW: { status: 403, retryable: false, summary: 'The item needs a higher level than the caller has.' },
  FOUR_EYES: { status: 403, retryable: false, summary: 'A reviewer may not approve an item they escalated themselves.' },
  NOT_FOUND: { status: 404, retryable: false, summary: 'No such item in the caller\'s tenant (other tenants\' ids always answer this).' },
  INVALID_TRANSITION: { status: 409, retryable: false, summary: 'The item\'s state machine does not allow that move from its current status.' },
  TAKEN_BY_OTHER: { status: 409, retryable: false, summary: 'Another user has taken the item.' },
  LEVEL_NOT_RAISED: { status: 409, retryable: false, summary: 'Escalation must raise the required level (it never lowers it, and 3 is the top).' },
  NOTHING_AVAILABLE: { status: 404, retryable: false, summary: 'Nothing the action needs is free right now: `get_task` found no item of that type the caller may take, or `reassign_workflow_task` found no other available task worker.' },
  CONFLICT: { status: 409, retryable: false, summary: 'The request conflicts with existing data (a duplicate, a finished task, an overlap with an accepted booking: `details.conflictsWith` names it).' },
  GONE: { status: 410, retryable: false, summary: "A single-use or time-limited link is no longer valid: an invitation link that expired or was revoked, or a workflow callback already used or past its task's deadline." },
  METHOD_NOT_ALLOWED: { status: 405, retryable: false, summary: 'That HTTP method is not served at that path (`POST /api/v1`, `GET /api/v1/tasks/:id`, `GET /api/v1/actions`).' },
  PAYLOAD_TOO_LARGE: { status: 413, retryable: false, summary: 'The body is larger than `BODY_LIMIT`.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false, summary: 'The body must be `application/json`.' },
  MAIL_REJECTED: { status: 422, retryable: false, summary: 'The SMTP server refused the message for good (a 5xx reply); it is not retried.' },
  RATE_LIMITED: { status: 429, retryable: true, summary: 'Too many requests or too deep a backlog; retry after `Retry-After` seconds.' },
  HOST_NOT_ALLOWED: { status: 422, retryable: false, summary: 'A workflow action task names a host outside `WORKFLOW_CALLOUT_HOSTS`; bureau did not call it (the task instance is in ERROR with this code).' },
  CALLOUT_FAILED: { status: 502, retryable: false, summary: 'A workflow action task\'s call failed: unreachable, a non-2xx reply, a redirect (never followed), or a reply its output transform or schema refuses (the task instance is in ERROR with this code).' },
  CALLOUT_TIMEOUT: { status: 504, retryable: false, summary: 'A workflow action task got no reply (SYNC_ACTION) or no callback (ASYNC_ACTION) within its `timeout_seconds` (the task instance is in ERROR with this code).' },
  INTERNAL: { status: 500, retryable: false, summary: 'An unexpected error; the message is hidden and logged with the request id.' },
  UNAVAILABLE: { status: 503, retryable: true, summary: 'A backing service (database, queue) is unreachable right now; retried by workers.' },
} as const satisfies Record<string, { status: number; retryable: boolean; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return ERROR_CATALOGUE[this.code].status;
  }

  get retryable(): boolean {
    return ERROR_CATALOGUE[this.code].retryable;
  }

  toJSON(): ErrorBody {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

/** The wire shape of an error, over HTTP and in websocket results. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

function unstorableText(): AppError {
  const message = 'Text may not contain the NUL character (\\u0000) or an unpaired surrogate.';
  return new AppError('VALIDATION_FAILED', message, { issues: [{ path: '', message, code: 'invalid_string' }] });
}

/**
 * What an exclusion violation (23P01) says: its constraint and, when the
 * constraint lists the row's `id` last (`..., id with <>`), the id of the
 * existing row it conflicts with, read from PostgreSQL's detail
 * ("... conflicts with existing key (a, b, id)=(1, x, 7).").
 */
function exclusionDetails(e: { detail?: string; constraint?: string }): Record<string, unknown> | undefined {
  const m = /conflicts with existing key \((.*)\)=\((.*)\)\.?$/s.exec(e.detail ?? '');
  const id = m && /(^|, )id$/.test(m[1]!) ? /(?:^|, )(\d+)$/.exec(m[2]!)?.[1] : undefined;
  if (!e.constraint && !id) return undefined;
  return { ...(e.constraint ? { constraint: e.constraint } : {}), ...(id ? { conflictsWith: Number(id) } : {}) };
}

/** PostgreSQL SQLSTATEs that bureau maps on its own; everything else is INTERNAL. */
const PG_CODES: Record<string, (err: { detail?: string; constraint?: string }) => AppError> = {
  '23505': (e) => new AppError('CONFLICT', 'That already exists.', e.constraint ? { constraint: e.constraint } : undefined),
  '23503': () => new AppError('NOT_FOUND', 'A referenced item does not exist.'),
  // An exclusion constraint (two rows that may not overlap): the domain words the message when it catches it.
  '23P01': (e) => new AppError('CONFLICT', 'That overlaps an existing item.', exclusionDetails(e)),
  // A NUL character or an unpaired surrogate in a string: PostgreSQL text and jsonb cannot hold them.
  '22021': () => unstorableText(),
  '22P05': () => unstorableText(),
  '40001': () => new AppError('UNAVAILABLE', 'Serialization conflict; retry.'),
  '40P01': () => new AppError('UNAVAILABLE', 'Deadlock detected; retry.'),
  '57P01': () => new AppError('UNAVAILABLE', 'The database is restarting.'),
  '57P03': () => new AppError('UNAVAILABLE', 'The database is starting up.'),
  '57P02': () => new AppError('UNAVAILABLE', 'The database is restarting after a crash.'),
  '53300': () => new AppError('UNAVAILABLE', 'The database has no connection to spare right now.'),
};

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Turns anything thrown into an AppError: AppErrors pass through, PostgreSQL and
 * network failures are translated, the rest become INTERNAL (message hidden).
 */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as { code?: unknown; detail?: string; constraint?: string; message?: string } | null;
  if (e && typeof e.code === 'string') {
    const pg = PG_CODES[e.code];
    if (pg) return pg(e);
    if (NETWORK_CODES.has(e.code)) return new AppError('UNAVAILABLE', 'A backing service is unreachable.');
  }
  if (e && typeof e.message === 'string' && /Connection terminated|connection is closed|Client has encountered a connection error|Connection is closed/i.test(e.message)) {
    return new AppError('UNAVAILABLE', 'A backing service connection was lost.');
  }
  return new AppError('INTERNAL', 'Internal error.');
}
