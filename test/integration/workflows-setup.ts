import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestBureau, type TestBureau, type TestBureauOptions } from '../helpers/bureau.js';

export const PEOPLE = ['admin', 'creator', 'ticketadmin', 'worker1', 'worker2', 'user'] as const;
export type Person = (typeof PEOPLE)[number];
export type Company = 'initech' | 'umbrella';

/** One test bureau with the workflows demo logins of both companies signed in. */
export interface Tickets {
  b: TestBureau;
  id(who: Person, company?: Company): number;
  token(who: Person, company?: Company): string;
  ok(who: Person, action: string, data: unknown, company?: Company): Promise<any>;
  fails(who: Person, action: string, data: unknown, company?: Company): Promise<{ code: string; message: string; details?: any }>;
  /** Publishes a workflow and a ticket type open to all running it; returns the ticket type's id. */
  publish(spec: Record<string, unknown>, fields?: unknown[], company?: Company): Promise<number>;
  close(): Promise<void>;
}

export async function openTickets(opts: TestBureauOptions = {}): Promise<Tickets> {
  const b = await startTestBureau(opts);
  const ids = new Map<string, number>();
  const tokens = new Map<string, string>();
  const { rows } = await b.db.query<{ email: string; id: number }>(`select email, id from app_user where email like '%@initech.test' or email like '%@umbrella.test'`);
  for (const r of rows) ids.set(r.email, r.id);
  for (const company of ['initech', 'umbrella'] as const) for (const p of PEOPLE) tokens.set(`${p}@${company}.test`, await b.login(`${p}@${company}.test`));
  const key = (who: Person, company: Company = 'initech') => `${who}@${company}.test`;
  const run = async (who: Person, action: string, data: unknown, company?: Company) => {
    const r = await b.act(tokens.get(key(who, company))!, action, data);
    assert.equal(r.status, 200, `${action} as ${who}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.task;
  };
  const t: Tickets = {
    b,
    id: (who, company) => ids.get(key(who, company))!,
    token: (who, company) => tokens.get(key(who, company))!,
    async ok(who, action, data, company) {
      const task = await run(who, action, data, company);
      assert.equal(task.status, 'succeeded', `${action} as ${who} failed: ${JSON.stringify(task.error)}`);
      return task.result;
    },
    async fails(who, action, data, company) {
      const task = await run(who, action, data, company);
      assert.equal(task.status, 'failed', `${action} as ${who} should have failed: ${JSON.stringify(task.result)}`);
      return task.error;
    },
    async publish(spec, fields = [{ name: 'amount', type: 'number' }], company) {
      const wf = await t.ok('creator', 'create_workflow_definition', spec, company);
      const def = await t.ok('creator', 'create_ticket_definition', { title: `${spec.title as string} ticket`, workflow_id: wf.id, fields }, company);
      return def.id as number;
    },
    close: () => b.close(),
  };
  return t;
}

/** What the action server received. */
export interface Received {
  path: string;
  body: unknown;
  headers: IncomingMessage['headers'];
}

/**
 * The outside services action tasks call, on 127.0.0.1: `/ok` answers 200 with
 * `{id, echo}`, `/fail` 500, `/slow` never, `/redirect` a 302 to another host,
 * `/flaky` 500 then 200, `/async` 202 (the callback comes later).
 */
export class ActionServer {
  readonly received: Received[] = [];
  private server: Server | null = null;
  private flaky = 0;
  url = '';

  async up(): Promise<void> {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        const path = req.url ?? '/';
        this.received.push({ path, body: raw ? JSON.parse(raw) : null, headers: req.headers });
        const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
          res.writeHead(status, { 'content-type': 'application/json', ...headers });
          res.end(JSON.stringify(body));
        };
        if (path === '/ok') return json(200, { id: `PO-${this.received.length}`, echo: raw ? JSON.parse(raw) : null });
        if (path === '/fail') return json(500, { error: 'boom' });
        if (path === '/slow') return; // never answers
        if (path === '/redirect') return json(302, {}, { location: 'http://elsewhere.test/steal' });
        if (path === '/flaky') return ++this.flaky === 1 ? json(500, { error: 'once' }) : json(200, { id: 'PO-flaky' });
        if (path === '/async') return json(202, { accepted: true });
        json(404, {});
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  calls(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  async down(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

/** A one-task workflow with its task as given (the start task). */
export const oneTask = (title: string, task: Record<string, unknown>) => ({ title, tasks: [{ key: 'only', title, start: true, ...task }] });
