/**
 * The storm's flows, effect checks and after-the-storm rules for the domains
 * that landed after it: workflows (tickets with auto-assignment), bookings
 * (accepts under the overlap rule) and guests (task steps). runStorm adds them
 * when bureau has their actions (see `domainStormParts`).
 */
import type pg from 'pg';
import { sleep } from '../helpers/procs.js';
import { Client, tallyOnce, type EffectCheck, type Flow, type StormRun } from './storm.js';

/** A rule that must hold after the storm, over what the database holds; `null` when it does. */
export interface StormInvariant {
  name: string;
  check(db: pg.Pool, run: StormRun): Promise<string | null>;
}

const pick = <T>(xs: readonly T[], rnd: () => number): T => xs[Math.floor(rnd() * xs.length)]!;

/** What the flows look up once before the load (per run). */
interface DomainSetup {
  ticketDefs: Record<string, number>;
  admins: Record<string, Client>;
}
const setups = new Map<string, DomainSetup>();
const setupOf = (run: StormRun): DomainSetup => setups.get(run.id)!;

// ---------------------------------------------------------------- workflows

/** Users of initech and umbrella submit IT request tickets; each one's triage task is assigned on the spot. */
export const ticketFlow: Flow = {
  name: 'tickets',
  users: ['user'],
  tenants: ['initech', 'umbrella'],
  weight: 1,
  async setup({ db, run }) {
    const { rows } = await db.query(
      `select t.slug, (select d.id from ticket_definition d where d.tenant_id = t.id order by d.version desc, d.id desc limit 1) as id from tenant t where t.slug = any($1)`,
      [['initech', 'umbrella']],
    );
    const s = setups.get(run.id) ?? { ticketDefs: {}, admins: {} };
    for (const r of rows) if (r.id) s.ticketDefs[r.slug] = r.id;
    setups.set(run.id, s);
  },
  async step(c, rnd) {
    const def = setupOf(c.run).ticketDefs[c.tenant];
    if (!def) return void (await sleep(500));
    await c.submit('submit_ticket', { ticket_definition_id: def, data: { summary: `storm-${c.run.id}-${c.run.keys}`, amount: Math.floor(rnd() * 2000) + 1 } });
  },
};

/** One ticket (by the unique summary each submission carries) per succeeded submit_ticket, none for a failed one. */
export const ticketCheck: EffectCheck = {
  action: 'submit_ticket',
  async count(db, tasks, run) {
    const ok = tasks.filter((t) => t.status === 'succeeded');
    const { rows } = await db.query(`select count(*)::int as n, count(distinct data->>'summary')::int as d from ticket_instance where data->>'summary' like $1`, [`storm-${run.id}-%`]);
    const { rows: found } = await db.query(`select count(*)::int as n from ticket_instance where id = any($1)`, [ok.map((t) => t.result?.id).filter(Boolean)]);
    return { effects: rows[0].n, duplicates: rows[0].n - rows[0].d + Math.max(0, rows[0].d - ok.length), lost: ok.length - found[0].n };
  },
};

/**
 * The assignment balance rule, as far as it can be checked after the fact. In
 * the storm tickets are only submitted: each one's first (FORM) task is
 * assigned, under the company's advisory lock, to the available task worker
 * with the shortest open list, and no task leaves a list (nobody completes,
 * reassigns or cancels). So, for each company: every open FORM task is
 * assigned (someone was always available), and the open-task counts of its
 * available task workers differ by at most 1 (were one worker given a second
 * task while another had none, the counts would differ by 2 and stay so).
 */
export const balanceInvariant: StormInvariant = {
  name: 'assignment balance',
  async check(db) {
    const { rows: unassigned } = await db.query(
      `select count(*)::int as n from task_instance ti join task_definition td on td.id = ti.task_definition_id join tenant t on t.id = ti.tenant_id
        where t.slug in ('initech', 'umbrella') and td.task_type = 'FORM' and ti.assigned_to is null and ti.status in ('PENDING', 'OPEN', 'IN_PROGRESS')`,
    );
    const { rows } = await db.query(
      `select t.slug, a.user_id, (select count(*) from task_instance ti where ti.assigned_to = a.user_id and ti.status in ('OPEN', 'IN_PROGRESS'))::int as open
         from worker_availability a join app_user u on u.id = a.user_id join tenant t on t.id = a.tenant_id
        where t.slug in ('initech', 'umbrella') and a.available and u.status = 'active' and u.role = 'task_worker' order by t.slug, a.user_id`,
    );
    const bySlug = new Map<string, number[]>();
    for (const r of rows) bySlug.set(r.slug, [...(bySlug.get(r.slug) ?? []), r.open]);
    const skewed = [...bySlug].filter(([, counts]) => Math.max(...counts) - Math.min(...counts) > 1);
    const problems = [
      ...(unassigned[0].n ? [`${unassigned[0].n} open FORM tasks unassigned while task workers were available`] : []),
      ...skewed.map(([slug, counts]) => `${slug}: open tasks per available worker ${counts.join('/')} (differ by more than 1)`),
    ];
    return problems.length ? problems.join('; ') : null;
  },
};

// ---------------------------------------------------------------- bookings

const ADDRESSES = ['Hall A', 'Hall B'];

/**
 * Requesters of acme and globex ask for bookings at two addresses of this run,
 * on a few one- and two-hour slots of one day, so many overlap; their tenant's
 * admin then accepts most of them (an overlap with an accepted one is refused
 * with CONFLICT, a rule of the worker).
 */
export const bookingFlow: Flow = {
  name: 'bookings',
  users: ['requester1', 'requester2'],
  tenants: ['acme', 'globex'],
  weight: 1,
  async setup({ run, login }) {
    const s = setups.get(run.id) ?? { ticketDefs: {}, admins: {} };
    for (const tenant of ['acme', 'globex']) {
      const email = `admin@${tenant}.test`;
      s.admins[tenant] = new Client(run, email, await login(email), tenant);
    }
    setups.set(run.id, s);
  },
  async step(c, rnd) {
    const hour = 8 + Math.floor(rnd() * 6);
    const booked = await c.call('submit_booking', {
      topic: `storm-${c.run.id}-${c.run.keys}`,
      starts_at: `2031-03-0${1 + Math.floor(rnd() * 2)}T${String(hour).padStart(2, '0')}:${rnd() < 0.5 ? '00' : '30'}:00Z`,
      duration_minutes: rnd() < 0.5 ? 60 : 120,
      address: { street: `${pick(ADDRESSES, rnd)}, storm ${c.run.id}`, city: 'Springfield', state: 'Illinois', country: 'US', postal_code: '62701' },
    });
    if (booked?.status !== 'succeeded' || rnd() < 0.2) return;
    await setupOf(c.run).admins[c.tenant]!.submit('accept_booking', { id: booked.result.id });
  },
};

/** One booking (by its unique topic) per succeeded submit_booking. */
export const bookingCheck: EffectCheck = {
  action: 'submit_booking',
  async count(db, tasks, run) {
    const ok = tasks.filter((t) => t.status === 'succeeded');
    const { rows } = await db.query(`select count(*)::int as n, count(distinct topic)::int as d from booking where topic like $1`, [`storm-${run.id}-%`]);
    const { rows: found } = await db.query(`select count(*)::int as n from booking where id = any($1)`, [ok.map((t) => t.result?.id).filter(Boolean)]);
    return { effects: rows[0].n, duplicates: rows[0].n - rows[0].d + Math.max(0, rows[0].d - ok.length), lost: ok.length - found[0].n };
  },
};

/** No two accepted bookings of a tenant overlap at one address (what the exclusion constraint and the accept rule promise). */
export const noDoubleBooking: StormInvariant = {
  name: 'no double booking',
  async check(db, run) {
    const { rows } = await db.query(
      `select a.id as a, b.id as b from booking a join booking b on b.tenant_id = a.tenant_id and b.address_key = a.address_key and b.id > a.id
        where a.status = 'accepted' and b.status = 'accepted' and a.starts_at < b.ends_at and b.starts_at < a.ends_at`,
    );
    const { rows: accepted } = await db.query(`select count(*)::int as n from booking where status = 'accepted' and topic like $1`, [`storm-${run.id}-%`]);
    if (rows.length) return `${rows.length} pairs of accepted bookings overlap at one address: ${rows.slice(0, 5).map((r) => `${r.a}/${r.b}`).join(', ')}`;
    return accepted[0].n > 0 ? null : 'no storm booking was accepted: the rule was not exercised';
  },
};

// ---------------------------------------------------------------- guests

/** A value that fits a guest question of this type. */
function answerFor(q: { type: string; options: string[] }): unknown {
  switch (q.type) {
    case 'yes_no':
    case 'agreement':
      return true;
    case 'number':
      return 1;
    case 'date':
      return '2000-01-02';
    case 'email':
      return 'storm@example.test';
    case 'phone':
      return '+1 213 555 0100';
    case 'single_choice':
      return q.options[0];
    case 'multiple_choice':
      return q.options.slice(0, 1);
    default:
      return 'storm answer';
  }
}

/**
 * Guests and the host of hope work through their dashboards: read it, then
 * start, save answers to (every question, answers that fit) or complete their
 * first open task. Once everything is complete they only read it.
 */
export const guestFlow: Flow = {
  name: 'guests',
  users: ['guest1', 'guest2', 'guest3', 'host1'],
  tenants: ['hope'],
  weight: 1,
  async step(c, rnd) {
    const d = await c.call('get_guest_dashboard', {});
    if (d?.status !== 'succeeded') return void (await sleep(200));
    const tasks = (d.result.taskGroups as { tasks: { id: number; kind: string; status: string }[] }[]).flatMap((g) => g.tasks);
    const open = tasks.find((t) => t.status === 'Start' || t.status === 'In progress' || t.status === 'More information is needed');
    if (!open) return void (await sleep(300));
    if (open.status === 'Start' && rnd() < 0.5) return void (await c.call('start_guest_task', { task_id: open.id }));
    const app = open.kind === 'form' ? await c.call('get_guest_application', { task_id: open.id }) : null;
    const questions = (app?.result?.questions ?? []) as { key: string; type: string; options: string[]; response: unknown }[];
    const missing = questions.filter((q) => q.response === null);
    if (missing.length || (open.status !== 'In progress' && rnd() < 0.5)) {
      await c.call('save_guest_answers', { task_id: open.id, answers: Object.fromEntries(questions.map((q) => [q.key, answerFor(q)])) });
    } else await c.call('complete_guest_task', { task_id: open.id });
  },
};

const GUEST_EVENT: Record<string, string> = { start_guest_task: 'started', save_guest_answers: 'saved', complete_guest_task: 'completed' };

/** Each succeeded guest step fired its own event on its task exactly once; a failed one fired none. */
function guestStepCheck(action: string): EffectCheck {
  return {
    action,
    async count(db, tasks) {
      const { rows } = await db.query(
        `select t.id, t.status, (select count(*) from entity_event e where e.task_id = t.id and e.entity_type = 'guest_task' and e.entity_id = (t.input->>'task_id')::int and e.event = $2)::int as n,
                (select count(*) from entity_event e where e.task_id = t.id)::int as any
           from task t where t.id = any($1)`,
        [tasks.map((t) => t.id), GUEST_EVENT[action]],
      );
      return tallyOnce(rows);
    },
  };
}

/** A read changes nothing: no history row carries its task. */
function readCheck(action: string): EffectCheck {
  return {
    action,
    async count(db, tasks) {
      const { rows } = await db.query(`select count(*)::int as n from entity_event where task_id = any($1)`, [tasks.map((t) => t.id)]);
      return { effects: 0, duplicates: rows[0].n, lost: 0 };
    },
  };
}

/** accept_booking: one `accepted` event on its booking per succeeded task, no history row for a refused one. */
const acceptCheck: EffectCheck = {
  action: 'accept_booking',
  async count(db, tasks) {
    const { rows } = await db.query(
      `select t.id, t.status, (select count(*) from entity_event e where e.task_id = t.id and e.entity_type = 'booking' and e.entity_id = (t.input->>'id')::int and e.event = 'accepted')::int as n,
              (select count(*) from entity_event e where e.task_id = t.id)::int as any
         from task t where t.id = any($1)`,
      [tasks.map((t) => t.id)],
    );
    let effects = 0;
    let duplicates = 0;
    let lost = 0;
    for (const r of rows) {
      effects += r.n;
      if (r.status === 'succeeded') {
        duplicates += Math.max(0, r.n - 1) + (r.any - r.n);
        if (r.n === 0) lost++;
      } else duplicates += r.any;
    }
    return { effects, duplicates, lost };
  },
};

/** The flows, checks and rules for whichever of these domains bureau has (by their actions). */
export function domainStormParts(has: (action: string) => boolean): { flows: Flow[]; checks: EffectCheck[]; invariants: StormInvariant[] } {
  const flows: Flow[] = [];
  const checks: EffectCheck[] = [];
  const invariants: StormInvariant[] = [];
  if (has('submit_ticket')) {
    flows.push(ticketFlow);
    checks.push(ticketCheck);
    invariants.push(balanceInvariant);
  }
  if (has('accept_booking')) {
    flows.push(bookingFlow);
    checks.push(bookingCheck, acceptCheck);
    invariants.push(noDoubleBooking);
  }
  if (has('complete_guest_task')) {
    flows.push(guestFlow);
    checks.push(...Object.keys(GUEST_EVENT).map(guestStepCheck), readCheck('get_guest_dashboard'), readCheck('get_guest_application'));
  }
  return { flows, checks, invariants };
}
