import { loginAll, type RunningBureau } from '../lib/bureau.js';
import { closedLoop, connectUsers, type Act, type Connected, type Target } from '../lib/load.js';
import { explainLost, measured } from '../lib/measure.js';
import type { BenchUsers } from '../lib/seed.js';
import { query, type Services } from '../lib/services.js';
import { LANES, log, SECONDS } from '../lib/settings.js';

/** A weighted mix of the registry's actions over admins and reviewers, as one closed loop. */
export async function runMixed(svc: Services, b: RunningBureau, users: BenchUsers, admins: Connected[], target: Target, redisUrl: string | undefined) {
  const reviewers = await connectUsers(target, await loginAll(b.url, users.reviewers));
  const catalogue = (await (await fetch(`${b.url}/api/v1/actions`)).json()) as { actions: { name: string; roles: string[] | string; example: Record<string, unknown> }[] };
  const invite = catalogue.actions.find((a) => a.name === 'invite_user');
  const guest = catalogue.actions.find((a) => /guest/.test(a.name) && /save|answer/.test(a.name));
  const notes: string[] = [];
  notes.push(invite ? 'invite_user: in the registry, included' : 'invite_user: not yet in the registry when this ran (n/a)');
  notes.push(guest ? `guest task save: ${guest.name} exists but is not driven yet (n/a)` : 'guest task save: the guest domain does not exist yet (n/a)');
  const customers = new Map<number, number[]>();
  for (const r of await query<{ id: number; tenant_id: number }>(svc.databaseUrl, 'select id, tenant_id from customer where id <= 1000 order by id')) {
    customers.set(r.tenant_id, [...(customers.get(r.tenant_id) ?? []), r.id]);
  }
  const pick = <T>(l: T[]) => l[Math.floor(Math.random() * l.length)]!;
  let n = 0;
  /** Weighted menu: one entry = one scenario, some of several actions (review needs create + take first). */
  const menu: [number, (act: Act, admin: Connected, reviewer: Connected) => Promise<void>][] = [
    [25, async (act, admin) => void (await act(admin, 'create_customer', { name: `Mixed ${++n}` }))],
    [20, async (act, admin) => void (await act(admin, 'get_customer', { id: pick(customers.get(admin.user.auth.tenantId as number)!) }))],
    [
      20,
      async (act, admin, reviewer) => {
        const doc = (await act(admin, 'create_document', { cid: pick(customers.get(admin.user.auth.tenantId as number)!), content: 'Bench passport scan' })) as { id: number };
        await act(reviewer, 'get_task', { id: doc.id, type: 'document' });
        await act(reviewer, 'review_document', { id: doc.id, approved: Math.random() < 0.7, reason: 'bench' });
        await act(reviewer, 'get_document', { id: doc.id });
      },
    ],
    [
      15,
      async (act, admin, reviewer) => {
        const tr = (await act(admin, 'create_transfer', { cid: pick(customers.get(admin.user.auth.tenantId as number)!), amount: '1250.00' })) as { id: number };
        await act(reviewer, 'get_task', { id: tr.id, type: 'transfer' });
        await act(reviewer, 'escalate_task', { id: tr.id, type: 'transfer', level: 2, reason: 'bench: above my limit' });
        await act(reviewer, 'review_transfer', { id: tr.id, approved: false, reason: 'bench' });
      },
    ],
    ...(invite ? [[10, async (act: Act, admin: Connected) => void (await act(admin, 'invite_user', { ...invite.example, email: `bench-invite-${process.pid}-${++n}@example.test` }))] as [number, (act: Act, admin: Connected, reviewer: Connected) => Promise<void>]] : []),
  ];
  const total = menu.reduce((a, [w]) => a + w, 0);
  log(`mixed: ${LANES} lanes over ${admins.length} admins + ${reviewers.length} reviewers, ${SECONDS}s`);
  const m = await measured(svc, b, redisUrl, () =>
    closedLoop({
      target,
      conns: admins,
      lanes: LANES,
      warmupSeconds: 5,
      seconds: SECONDS,
      scenario: async (act, admin, lane) => {
        // The reviewer works in the admin's tenant.
        const reviewer = reviewers[lane % reviewers.length]!;
        let r = Math.random() * total;
        for (const [w, run] of menu) {
          if ((r -= w) < 0) return run(act, admin, reviewer);
        }
      },
    }),
  );
  log(`mixed: ${m.result.perSecond} actions/s p50 ${m.result.latency.p50} p95 ${m.result.latency.p95} errors ${m.result.errors} lost ${m.result.lost}`);
  await explainLost(svc, m.result);
  for (const c of reviewers) c.feed.close();
  return { ...m, notes };
}
