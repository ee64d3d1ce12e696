import assert from 'node:assert/strict';
import { startTestBureau, type TestBureau, type TestBureauOptions } from '../helpers/bureau.js';

/** The acme demo users the back-office tests act as (the digit is the level). */
export const ACME_USERS = ['admin', 'compliance1', 'compliance2', 'compliance3', 'service1', 'service2', 'service3'] as const;
export type AcmeUser = (typeof ACME_USERS)[number];

export interface HistoryRow {
  event: string;
  from: string | null;
  to: string;
  actor: string;
  reason: string | null;
  data: Record<string, unknown> | null;
}

/**
 * One test bureau with every acme user signed in, and short ways to run an
 * action that must succeed (`ok`) or must fail inside its task (`fails`).
 */
export interface Backoffice {
  b: TestBureau;
  token: Record<AcmeUser, string>;
  userId: Record<AcmeUser, number>;
  acmeTenantId: number;
  /** Runs `action` and returns its result; fails the test unless the task succeeded. */
  ok(user: AcmeUser, action: string, data: unknown): Promise<any>;
  /** Runs `action` and returns the task's error; fails the test unless the task failed. */
  fails(user: AcmeUser, action: string, data: unknown): Promise<{ code: string; message: string; details?: any }>;
  /** Posts `action` and returns the HTTP rejection; fails the test unless it was refused before queueing. */
  refused(user: AcmeUser, action: string, data: unknown): Promise<{ status: number; error: { code: string; message: string; details?: any } }>;
  customer(name?: string): Promise<number>;
  document(opts?: { cid?: number; level?: number; content?: string }): Promise<any>;
  transfer(opts?: { cid?: number; level?: number; amount?: number | string }): Promise<any>;
  inquiry(opts?: { cid?: number; level?: number; problem?: string }): Promise<any>;
  history(type: 'document' | 'transfer' | 'inquiry', id: number): Promise<HistoryRow[]>;
  /** How many tasks the database holds (to show a refused request queued nothing). */
  taskCount(): Promise<number>;
  close(): Promise<void>;
}

let serial = 0;

export async function openBackoffice(opts: TestBureauOptions = {}): Promise<Backoffice> {
  const b = await startTestBureau(opts);
  try {
    const { rows } = await b.db.query<{ email: string; id: number; tenant_id: number }>(`select email, id, tenant_id from app_user where email like '%@acme.test'`);
    const byEmail = new Map(rows.map((r) => [r.email, r]));
    const token = {} as Record<AcmeUser, string>;
    const userId = {} as Record<AcmeUser, number>;
    for (const u of ACME_USERS) {
      const row = byEmail.get(`${u}@acme.test`);
      assert.ok(row, `demo user ${u}@acme.test is missing`);
      userId[u] = row.id;
      token[u] = await b.login(`${u}@acme.test`);
    }
    const acmeTenantId = byEmail.get('admin@acme.test')!.tenant_id;

    const run = async (user: AcmeUser, action: string, data: unknown) => {
      const r = await b.act(token[user], action, data);
      assert.equal(r.status, 200, `${action} as ${user}: expected a finished task, got ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.task;
    };
    const bo: Backoffice = {
      b,
      token,
      userId,
      acmeTenantId,
      async ok(user, action, data) {
        const task = await run(user, action, data);
        assert.equal(task.status, 'succeeded', `${action} as ${user} failed: ${JSON.stringify(task.error)}`);
        return task.result;
      },
      async fails(user, action, data) {
        const task = await run(user, action, data);
        assert.equal(task.status, 'failed', `${action} as ${user} should have failed, got ${JSON.stringify(task)}`);
        return task.error;
      },
      async refused(user, action, data) {
        const r = await b.act(token[user], action, data);
        assert.ok(r.status >= 400 && r.status < 500, `${action} as ${user}: expected a 4xx refusal, got ${r.status} ${JSON.stringify(r.body)}`);
        return { status: r.status, error: r.body.error };
      },
      async customer(name = `Customer ${++serial}`) {
        return (await bo.ok('admin', 'create_customer', { name })).id as number;
      },
      async document({ cid, level, content = `Document ${++serial}` } = {}) {
        return bo.ok('admin', 'create_document', { cid: cid ?? (await bo.customer()), content, ...(level ? { level } : {}) });
      },
      async transfer({ cid, level, amount = '100.00' } = {}) {
        return bo.ok('admin', 'create_transfer', { cid: cid ?? (await bo.customer()), amount, ...(level ? { level } : {}) });
      },
      async inquiry({ cid, level, problem = `Problem ${++serial}` } = {}) {
        return bo.ok('admin', 'create_inquiry', { cid: cid ?? (await bo.customer()), problem, ...(level ? { level } : {}) });
      },
      async history(type, id) {
        return (await bo.ok('admin', `get_${type}`, { id })).history as HistoryRow[];
      },
      async taskCount() {
        const { rows: n } = await b.db.query<{ n: number }>('select count(*)::int as n from task');
        return n[0]!.n;
      },
      close: () => b.close(),
    };
    return bo;
  } catch (err) {
    await b.close();
    throw err;
  }
}

/** Polls `probe` every 50 ms until it returns a value other than undefined; gives up after `ms`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
