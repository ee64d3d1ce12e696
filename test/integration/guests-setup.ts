import assert from 'node:assert/strict';
import { startTestBureau, type TestBureau, type TestBureauOptions } from '../helpers/bureau.js';

/** The demo logins of the guests domain (provider hope unless `@haven.test` is given). */
export const HOPE = ['admin', 'coordinator', 'host1', 'guest1', 'guest2', 'guest3'] as const;

export interface Guests {
  b: TestBureau;
  token(email: string): Promise<string>;
  id(email: string): Promise<number>;
  ok(email: string, action: string, data?: unknown): Promise<any>;
  fails(email: string, action: string, data?: unknown): Promise<{ code: string; message: string; details?: any }>;
  refused(email: string, action: string, data?: unknown): Promise<{ status: number; error: { code: string; message: string; details?: any } }>;
  close(): Promise<void>;
}

export const at = (local: string) => (local.includes('@') ? local : `${local}@hope.test`);

export async function openGuests(opts: TestBureauOptions = {}): Promise<Guests> {
  const b = await startTestBureau(opts);
  const tokens = new Map<string, string>();
  const token = async (who: string) => {
    const email = at(who);
    if (!tokens.has(email)) tokens.set(email, await b.login(email));
    return tokens.get(email)!;
  };
  const run = async (who: string, action: string, data: unknown = {}) => {
    const r = await b.act(await token(who), action, data);
    return r;
  };
  return {
    b,
    token,
    async id(who) {
      const { rows } = await b.db.query<{ id: number }>('select id from app_user where email = $1', [at(who)]);
      assert.ok(rows[0], `no user ${at(who)}`);
      return rows[0].id;
    },
    async ok(who, action, data) {
      const r = await run(who, action, data);
      assert.equal(r.body?.task?.status, 'succeeded', `${action} as ${who}: ${JSON.stringify(r.body)}`);
      return r.body.task.result;
    },
    async fails(who, action, data) {
      const r = await run(who, action, data);
      assert.equal(r.body?.task?.status, 'failed', `${action} as ${who} should fail: ${JSON.stringify(r.body)}`);
      return r.body.task.error;
    },
    async refused(who, action, data) {
      const r = await run(who, action, data);
      assert.ok(r.status >= 400, `${action} as ${who} should be refused at the door: ${JSON.stringify(r.body)}`);
      return { status: r.status, error: r.body.error };
    },
    close: () => b.close(),
  };
}

/** Statuses of a dashboard result, as `group: task task task` lines. */
export function shape(d: { taskGroups: { status: string; tasks: { status: string }[] }[] }): string[] {
  return d.taskGroups.map((g) => `${g.status}: ${g.tasks.map((t) => t.status).join(' | ')}`);
}
