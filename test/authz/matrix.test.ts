import assert from 'node:assert/strict';
import { z } from 'zod';
import type { ActionDefinition } from '../../src/core/define-action.js';
import type { Callers } from '../../src/core/domain-set.js';
import type { Role } from '../../src/core/roles.js';
import { domains } from '../../src/domains.js';
import { openFeed, startTestBureau, type Feed, type TestBureau } from '../helpers/bureau.js';
import { fixtureScope, marker, session } from './fixtures.js';

/**
 * The authorization matrix, generated from the registry when it runs: every
 * action x every role (and no token) x own / other tenant x own / another
 * user's ids. Each cell's expected outcome comes from the action's `roles` and
 * `access` rule (src/core/define-action.ts), so a new action is covered
 * without editing this file. Besides the outcome, it checks that no reply and
 * no websocket message carries the other tenant's data, that each result
 * reaches its submitter only, and who may read each task over
 * `GET /api/v1/tasks/:id`.
 */

type Who = Role | 'anonymous';
type Side = 'own' | 'other';
/** What a cell must produce: an authorization refusal, "allowed", or (public actions) the same for everyone. */
type Expect = 'allowed' | 'public' | 'FORBIDDEN' | 'NOT_FOUND' | 'TAKEN_BY_OTHER' | 'UNAUTHENTICATED' | 'UNKNOWN_ACTION';

/** Codes that are an authorization decision; any other refusal is a business rule about a row the caller may use. */
const AUTHZ_CODES = new Set(['FORBIDDEN', 'NOT_FOUND', 'TAKEN_BY_OTHER', 'UNAUTHENTICATED', 'UNKNOWN_ACTION', 'LEVEL_TOO_LOW', 'FOUR_EYES']);
const BUSINESS_CODES = new Set(['CONFLICT', 'INVALID_TRANSITION', 'LEVEL_NOT_RAISED', 'NOTHING_AVAILABLE', 'GONE', 'INVALID_CREDENTIALS']);

interface Cell {
  def: ActionDefinition;
  who: Who;
  tenant: Side | null;
  owner: Side | null;
  /** For `{ kindFrom }` ids: the kind this cell uses. */
  kind: string | null;
  expected: Expect;
}

interface Person {
  id: number;
  tenantId: number;
  slug: string;
  role: Role;
  email: string;
}

/**
 * Who acts for each role, whose rows are "another user's", and in which two
 * tenants: from the manifests (`callers`), for the domain of the action.
 */
function callersOf(role: Role, def: ActionDefinition): Callers {
  const c = domains.callersFor(role, domains.domainOf(def.name));
  if (!c) throw new Error(`role ${role} has no demo callers: give its domain's manifest \`callers\``);
  return c;
}

const isInternal = (def: ActionDefinition) => def.mode === 'queued' && def.internal === true;

function kindsOf(def: ActionDefinition, field: string): string[] {
  const schema = z.toJSONSchema(def.input, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, { enum?: string[] }> };
  const values = schema.properties?.[field]?.enum;
  if (!values?.length) throw new Error(`${def.name}: access.ids names kindFrom "${field}", which is not an enum field of its input`);
  return values;
}

/** The outcome the action's own declaration promises for one cell. */
export function expectedOutcome(def: ActionDefinition, who: Who, tenant: Side | null, owner: Side | null, kind: string | null): Expect {
  if (isInternal(def)) return 'UNKNOWN_ACTION';
  if (def.roles === 'public') return 'public';
  if (who === 'anonymous') return 'UNAUTHENTICATED';
  if (!def.roles.includes(who)) return 'FORBIDDEN';
  const a = def.access;
  if (!Object.keys(a.ids).length) return 'allowed';
  const kinds = Object.values(a.ids).map((k) => (typeof k === 'string' ? k : kind));
  if (a.owner === 'worker' && !a.anyWorker?.includes(who) && !kinds.every((k) => k !== null && a.workers?.[k]?.includes(who))) return 'FORBIDDEN';
  if (tenant === 'other') return 'NOT_FOUND';
  if (owner === 'own') return 'allowed';
  switch (a.owner) {
    case 'tenant':
      return 'allowed';
    case 'owner':
      return a.anyOwner?.includes(who) ? 'allowed' : 'NOT_FOUND';
    case 'worker':
      return a.anyWorker?.includes(who) ? 'allowed' : 'TAKEN_BY_OTHER';
  }
}

export function cellsOf(defs: ActionDefinition[]): Cell[] {
  const cells: Cell[] = [];
  const whos: Who[] = [...domains.roles, 'anonymous'];
  for (const def of defs) {
    const ids = Object.values(def.access.ids);
    const fromField = ids.map((k) => (typeof k === 'string' ? null : k.kindFrom)).find((f) => f !== null) ?? null;
    const kinds: (string | null)[] = fromField ? kindsOf(def, fromField) : [null];
    for (const who of whos) {
      if (!ids.length || isInternal(def) || who === 'anonymous') {
        cells.push({ def, who, tenant: ids.length ? 'own' : null, owner: ids.length ? 'own' : null, kind: kinds[0]!, expected: expectedOutcome(def, who, 'own', 'own', kinds[0]!) });
        continue;
      }
      for (const kind of kinds)
        for (const tenant of ['own', 'other'] as const)
          for (const owner of ['own', 'other'] as const) cells.push({ def, who, tenant, owner, kind, expected: expectedOutcome(def, who, tenant, owner, kind) });
    }
  }
  return cells;
}

interface Ran {
  cell: Cell;
  outcome: string;
  code: string | null;
  body: unknown;
  caller: Person | null;
  /** Rows the cell made for its ids: (kind, id). */
  rows: [string, number][];
  taskId: number | null;
}

describe('authorization matrix (generated from the registry)', function () {
  this.timeout(300_000);
  let b: TestBureau;
  const people = new Map<string, Person>();
  const feeds = new Map<number, Feed>();
  const ran: Ran[] = [];
  const registry = domains.registry;
  const cells = cellsOf(registry.list());

  /** The leak markers of every demo tenant but `slug`. */
  const otherMarkers = (slug: string) => [...new Set([...people.values()].map((p) => p.slug))].filter((t) => t !== slug).map(marker);

  const person = (c: Callers, tenant: Side, name: string): Person => {
    const p = people.get(`${name}@${c.tenants[tenant]}.test`);
    if (!p) throw new Error(`no demo user ${name}@${c.tenants[tenant]}.test`);
    return p;
  };

  async function runCell(cell: Cell): Promise<Ran> {
    const { def } = cell;
    const callers = callersOf(cell.who === 'anonymous' ? 'admin' : cell.who, def);
    const caller = cell.who === 'anonymous' ? null : person(callers, 'own', callers.caller);
    const data = structuredClone(def.example) as Record<string, unknown>;
    const rows: [string, number][] = [];
    for (const [field, ref] of Object.entries(def.access.ids)) {
      const kind = typeof ref === 'string' ? ref : cell.kind!;
      if (typeof ref !== 'string') data[ref.kindFrom] = kind;
      const factory = domains.idKinds[kind]?.fixture;
      if (!factory) throw new Error(`${def.name}.${field}: no fixture for ids of kind "${kind}": give it one in its domain's manifest (idKinds.${kind}.fixture)`);
      const side = cell.tenant ?? 'own';
      const owner = person(callers, side, cell.owner === 'other' ? callers.other : callers.caller);
      const id = await factory(fixtureScope(b.db, owner));
      data[field] = id;
      rows.push([kind, id]);
    }
    const token = caller ? await session(b.db, caller.tenantId, caller.id) : undefined;
    const r = await b.post({ ...(token ? { token } : {}), task: { action: def.name, data }, wait: 15_000 });
    let code: string | null = null;
    let taskId: number | null = null;
    if (r.body?.task && def.mode === 'queued') {
      taskId = r.body.task.id;
      assert.ok(['succeeded', 'failed'].includes(r.body.task.status), `${def.name}: no result within the wait: ${JSON.stringify(r.body)}`);
      code = r.body.task.status === 'failed' ? r.body.task.error.code : null;
    } else if (r.status >= 400) {
      code = r.body?.error?.code ?? `HTTP ${r.status}`;
    }
    const outcome = code === null ? 'allowed' : AUTHZ_CODES.has(code) ? code : BUSINESS_CODES.has(code) ? 'allowed' : `unexpected ${code}`;
    return { cell, outcome, code, body: r.body, caller, rows, taskId };
  }

  before(async () => {
    // Every role calls `login` with the example's wrong password from one address: the login throttle is not what this checks.
    b = await startTestBureau({ config: { reconcileIntervalMs: 3_600_000, maxWaitMs: 15_000, loginLimitIpName: 0, loginLimitName: 0 } });
    const { rows } = await b.db.query<{ id: number; tenant_id: number; slug: string; role: Role; email: string }>(
      `select u.id, u.tenant_id, t.slug, u.role, u.email from app_user u join tenant t on t.id = u.tenant_id where u.status = 'active'`,
    );
    for (const r of rows) people.set(r.email, { id: r.id, tenantId: r.tenant_id, slug: r.slug, role: r.role, email: r.email });
    // Every caller and every "other user" of both tenants listens on the websocket for the whole run.
    const listeners = new Set<Person>();
    for (const cell of cells) {
      if (cell.who === 'anonymous') continue;
      const c = callersOf(cell.who, cell.def);
      for (const tenant of ['own', 'other'] as const) for (const name of [c.caller, c.other]) listeners.add(person(c, tenant, name));
    }
    for (const p of listeners) if (!feeds.has(p.id)) feeds.set(p.id, await openFeed(b.url, await session(b.db, p.tenantId, p.id), 0));
    const ordered: Ran[] = new Array(cells.length);
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < cells.length) {
          const i = next++;
          ordered[i] = await runCell(cells[i]!);
        }
      }),
    );
    ran.push(...ordered);
    // Every queued result has reached its submitter's socket before the feeds are read.
    for (const r of ran) if (r.taskId !== null && r.caller) await feeds.get(r.caller.id)!.waitFor((m) => m.type === 'result' && m.seq !== undefined && m.task?.id === r.taskId);
  });
  after(async () => {
    for (const f of feeds.values()) await f.close();
    await b?.close();
  });

  it('covers every action of the registry, every role and no token, both tenants and both owners', () => {
    const names = new Set(cells.map((c) => c.def.name));
    assert.deepEqual([...names].sort(), registry.list().map((a) => a.name).sort());
    const counts = ran.reduce<Record<string, number>>((acc, r) => ((acc[r.cell.expected] = (acc[r.cell.expected] ?? 0) + 1), acc), {});
    const business = ran.filter((r) => r.outcome === 'allowed' && r.code).map((r) => `${r.cell.def.name}: ${r.code}`);
    console.log(`      ${ran.length} cells over ${names.size} actions; expected outcomes: ${JSON.stringify(counts)}; allowed but refused by a business rule: ${business.length ? business.join(', ') : 'none'}`);
    for (const expected of ['allowed', 'FORBIDDEN', 'NOT_FOUND', 'TAKEN_BY_OTHER', 'UNAUTHENTICATED']) assert.ok(counts[expected], `no cell expects ${expected}`);
  });

  it("gives every cell the outcome its action's roles and access rule promise", () => {
    const wrong = ran
      .filter((r) => r.cell.expected !== 'public' && r.outcome !== r.cell.expected)
      .map((r) => `${r.cell.def.name} as ${r.cell.who} (${r.cell.tenant ?? '-'} tenant, ${r.cell.owner ?? '-'} owner${r.cell.kind ? `, ${r.cell.kind}` : ''}): expected ${r.cell.expected}, got ${r.outcome} ${JSON.stringify(r.body).slice(0, 200)}`);
    assert.deepEqual(wrong, []);
  });

  it('answers a public action the same whoever calls it, and never with an authorization refusal', () => {
    const byAction = new Map<string, Set<string>>();
    for (const r of ran.filter((x) => x.cell.expected === 'public')) {
      assert.ok(r.code !== 'FORBIDDEN' && r.code !== 'UNAUTHENTICATED', `${r.cell.def.name} as ${r.cell.who}: ${r.code}`);
      byAction.set(r.cell.def.name, (byAction.get(r.cell.def.name) ?? new Set()).add(`${r.outcome}/${r.code}`));
    }
    for (const [name, outcomes] of byAction) assert.equal(outcomes.size, 1, `${name}: ${[...outcomes].join(', ')}`);
  });

  it("never shows a caller the other tenant's data, in a reply or on the websocket", () => {
    const leaks: string[] = [];
    for (const r of ran) {
      if (!r.caller) continue;
      const foreign = otherMarkers(r.caller.slug).find((m) => JSON.stringify(r.body).includes(m));
      if (foreign) leaks.push(`${r.cell.def.name} as ${r.cell.who}: reply carries ${foreign}`);
    }
    for (const [userId, feed] of feeds) {
      const p = [...people.values()].find((x) => x.id === userId)!;
      for (const m of feed.messages) if (otherMarkers(p.slug).some((x) => JSON.stringify(m).includes(x))) leaks.push(`${p.email} received ${JSON.stringify(m).slice(0, 200)}`);
    }
    assert.deepEqual(leaks, []);
    // The markers do travel where they may: otherwise this check could not see a leak.
    assert.ok(ran.some((r) => r.caller && JSON.stringify(r.body).includes(marker(r.caller.slug))), 'no reply carries its own tenant\'s marker');
    assert.ok([...feeds.values()].some((f) => f.messages.some((m) => JSON.stringify(m).includes('LEAKMARK-'))), 'no websocket message carries a marker');
  });

  it('pushes each result to its submitter once, and to no one else', async () => {
    const problems: string[] = [];
    const seen = new Map<number, number[]>();
    for (const [userId, feed] of feeds) {
      for (const m of feed.results()) seen.set(m.task.id, [...(seen.get(m.task.id) ?? []), userId]);
    }
    for (const r of ran.filter((x) => x.taskId !== null)) {
      const got = seen.get(r.taskId!) ?? [];
      if (got.length !== 1 || got[0] !== r.caller!.id) problems.push(`${r.cell.def.name} task ${r.taskId} by ${r.caller!.email}: pushed to users ${JSON.stringify(got)}`);
    }
    // Results of tasks from outside the matrix (the demo's timers, none expected): each only to its own submitter.
    const ids = [...seen.keys()];
    const { rows } = await b.db.query<{ id: number; actor_id: number | null }>('select id, actor_id from task where id = any($1::bigint[])', [ids]);
    for (const t of rows) for (const u of seen.get(Number(t.id))!) if (u !== t.actor_id) problems.push(`task ${t.id} of user ${t.actor_id} was pushed to user ${u}`);
    assert.deepEqual(problems, []);
  });

  it("sends notices only about the receiver's own tenant, and none about a row the caller was refused", async () => {
    const problems: string[] = [];
    const tables = new Set((await b.db.query<{ t: string }>(`select table_name as t from information_schema.tables where table_schema = 'public'`)).rows.map((r) => r.t));
    const refused = new Set(ran.filter((r) => r.outcome !== 'allowed').flatMap((r) => r.rows.map(([k, id]) => `${k}:${id}`)));
    let notices = 0;
    for (const [userId, feed] of feeds) {
      const p = [...people.values()].find((x) => x.id === userId)!;
      for (const m of feed.messages.filter((x) => x.type === 'notice')) {
        notices++;
        const item = m.notice?.item as { type?: string; id?: number } | undefined;
        if (!item?.type || !tables.has(item.type)) continue;
        const { rows } = await b.db.query<{ tenant_id: number }>(`select tenant_id from "${item.type}" where id = $1`, [item.id]);
        if (rows[0] && rows[0].tenant_id !== p.tenantId) problems.push(`${p.email} got a notice about ${item.type} ${item.id} of tenant ${rows[0].tenant_id}`);
        if (refused.has(`${item.type}:${item.id}`)) problems.push(`${p.email} got a notice about ${item.type} ${item.id}, which its caller was refused`);
      }
    }
    assert.ok(notices > 0, 'the allowed cells made no notice at all: the check would be empty');
    assert.deepEqual(problems, []);
  });

  it("shows each task over GET /api/v1/tasks/:id to its submitter and its tenant's admins, 404 to everyone else", async () => {
    const problems: string[] = [];
    const tokens = new Map<number, string>();
    const get = async (p: Person, id: number) => {
      if (!tokens.has(p.id)) tokens.set(p.id, await session(b.db, p.tenantId, p.id));
      const res = await fetch(`${b.url}/api/v1/tasks/${id}`, { headers: { authorization: `Bearer ${tokens.get(p.id)}` } });
      const body = (await res.json()) as { error?: { code: string } };
      return res.status === 200 ? 200 : `${res.status} ${body.error?.code}`;
    };
    const tasks = ran.filter((r) => r.taskId !== null);
    assert.ok(tasks.length > 20);
    for (const r of tasks) {
      const submitter = r.caller!;
      const c = callersOf(submitter.role, r.cell.def);
      const checks: [string, Person, unknown][] = [
        ['its submitter', submitter, 200],
        ["its tenant's admin", person(c, 'own', 'admin'), 200],
        ['another user of its tenant', person(c, 'own', c.other), '404 NOT_FOUND'],
        ["the other tenant's admin", person(c, 'other', 'admin'), '404 NOT_FOUND'],
        ["the other tenant's user of the same role", person(c, 'other', c.caller), '404 NOT_FOUND'],
      ];
      for (const [who, p, expected] of checks) {
        const got = await get(p, r.taskId!);
        if (got !== expected) problems.push(`${r.cell.def.name} task ${r.taskId} by ${submitter.email}, read by ${who}: expected ${expected}, got ${got}`);
      }
    }
    assert.deepEqual(problems, []);
  });
});
