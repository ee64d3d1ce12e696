/**
 * The console's door to bureau: the one action endpoint (`POST /api/v1`), the
 * catalogue, and the session kept in sessionStorage (the token goes in a Bearer
 * header and in the websocket's first message; it never goes in a URL).
 */
export interface User {
  id: number;
  tenantId: number;
  tenant: string;
  email: string;
  role: string;
  level: number;
  firstName: string | null;
  lastName: string | null;
}

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  anyOf?: JsonSchema[];
  format?: string;
  description?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  items?: JsonSchema;
}

export interface CatalogueEntry {
  name: string;
  summary: string;
  roles: string[] | 'public';
  mode: 'queued' | 'inline';
  worker: string;
  schema: JsonSchema;
  example: Record<string, unknown>;
}

export interface ErrorBody {
  code: string;
  message: string;
  details?: { issues?: { path: string; message: string }[]; field?: string; [k: string]: unknown };
}

export interface TaskView {
  id: number;
  action: string;
  status: string;
  result?: unknown;
  error?: ErrorBody;
}

/** An error as bureau phrased it (HTTP refusal or failed task): code, message, and the fields it names. */
export class ApiError extends Error {
  constructor(
    readonly body: ErrorBody,
    readonly status: number,
  ) {
    super(body.message);
  }
  get code(): string {
    return this.body.code;
  }
}

const KEY = 'bureau.session';

export interface Session {
  token: string;
  expiresAt: string;
  user: User;
}

export const session = {
  get(): Session | null {
    try {
      const raw = sessionStorage.getItem(KEY);
      return raw ? (JSON.parse(raw) as Session) : null;
    } catch {
      return null;
    }
  },
  save(s: Session): void {
    sessionStorage.setItem(KEY, JSON.stringify(s));
  },
  /** Forgets the session and everything the console kept for it (the feed cache). */
  clear(): void {
    sessionStorage.clear();
  },
};

/** Called when bureau says the token is no longer good (401): the shell goes back to the login page. */
let onUnauthenticated: (message: string) => void = () => undefined;
export function setUnauthenticatedHandler(fn: (message: string) => void): void {
  onUnauthenticated = fn;
}

/** A reply body: JSON whose shape the caller knows from the contract (docs/api.md). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the shape depends on the action; each caller reads what the contract says
export type Reply = { status: number; body: any };

async function request(method: string, path: string, body?: unknown): Promise<Reply> {
  const token = session.get()?.token;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError({ code: 'UNAVAILABLE', message: 'bureau does not answer; check your connection and try again.' }, 0);
  }
  const text = await res.text();
  let parsed: Reply['body'] = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (res.status >= 400) {
    const err: ErrorBody = parsed?.error ?? { code: res.status >= 500 ? 'INTERNAL' : 'BAD_REQUEST', message: `bureau answered ${res.status}.` };
    if (res.status === 401 && token && err.code === 'UNAUTHENTICATED') onUnauthenticated(err.message);
    throw new ApiError(err, res.status);
  }
  return { status: res.status, body: parsed };
}

export async function login(name: string, password: string, tenant?: string): Promise<Session> {
  const { body } = await request('POST', '/api/v1', { task: { action: 'login', data: { name, password, ...(tenant ? { tenant } : {}) } } });
  const s = body as Session;
  session.save(s);
  // The HttpOnly cookie that opens /admin/queues to admins (a page navigation cannot send the Bearer header).
  await request('POST', '/console/session').catch(() => undefined);
  return s;
}

export async function logout(): Promise<void> {
  await request('POST', '/api/v1', { task: { action: 'logout', data: {} } }).catch(() => undefined);
  await request('DELETE', '/console/session').catch(() => undefined);
  session.clear();
}

export const refreshBoardCookie = () => request('POST', '/console/session').then(() => undefined, () => undefined);

export async function catalogue(): Promise<CatalogueEntry[]> {
  const { body } = await request('GET', '/api/v1/actions');
  return body.actions as CatalogueEntry[];
}

/**
 * Sends an action. Inline actions answer with their result; queued ones with
 * `{task: {id, status}}` at once (or the finished task when `wait` is given and
 * the result came in time).
 */
export async function send(action: string, data: unknown, opts: { wait?: number; key?: string } = {}): Promise<Reply> {
  return request('POST', '/api/v1', { task: { action, data, ...(opts.key ? { key: opts.key } : {}) }, ...(opts.wait ? { wait: opts.wait } : {}) });
}
