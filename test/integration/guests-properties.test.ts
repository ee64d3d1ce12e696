import assert from 'node:assert/strict';
import fc from 'fast-check';
import { apply, derive, violations, type GroupState, type Op } from '../../src/domains/guests/unlock.js';
import { openGuests, type Guests } from './guests-setup.js';

/**
 * The unlock rules through the real actions: each run publishes a generated
 * dashboard, invites a guest onto it, and plays random start / save /
 * complete / request / delete operations as the guest and their coordinator.
 * After every step the dashboard the guest reads keeps the rules, and every
 * action succeeds or fails exactly as the pure rules (unlock.ts) predict.
 */
describe('guests: the unlock rules hold through the actions (fast-check over generated dashboards)', function () {
  this.timeout(240_000);
  let g: Guests;
  let serial = 0;
  before(async () => {
    g = await openGuests();
  });
  after(async () => {
    await g?.close();
  });

  const OPS = ['start', 'save', 'complete', 'request', 'delete_answers', 'reset'] as const;
  const ACTION: Record<(typeof OPS)[number], string> = {
    start: 'start_guest_task',
    save: 'save_guest_answers',
    complete: 'complete_guest_task',
    request: 'request_guest_information',
    delete_answers: 'delete_guest_answers',
    reset: 'delete_guest_progress',
  };

  it('never breaks them and agrees with the pure rules at every step', async () => {
    const coordinator = await g.id('coordinator');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.constantFrom('form', 'training'), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(fc.constantFrom(...OPS), fc.nat()), { minLength: 1, maxLength: 12 }),
        async (groups, ops) => {
          const n = ++serial;
          const definition = {
            role: 'guest',
            title: `Generated ${n}`,
            taskGroups: groups.map((tasks, gi) => ({
              key: `g${gi}`,
              title: `Group ${gi}`,
              tasks: tasks.map((kind, ti) => ({ key: `t${gi}_${ti}`, title: `Task ${gi}.${ti}`, kind, questions: kind === 'form' ? [{ key: `a_t${gi}_${ti}`, text: 'Anything?', type: 'text', required: true }] : [] })),
            })),
          };
          await g.ok('admin', 'publish_guest_dashboard', { definition });
          const invited = await g.ok('admin', 'invite_user', { email: `prop${n}@example.com`, role: 'guest', first_name: 'Prop', last_name: `${n}`, coordinator_id: coordinator });
          const guestId = invited.userId as number;
          // The invited user is inactive until they accept: act as them through a session of their own.
          await g.b.db.query(`update app_user set status = 'active', password_hash = (select password_hash from app_user where email = 'guest1@hope.test') where id = $1`, [guestId]);
          const who = `prop${n}@example.com`;
          const read = async (): Promise<{ state: GroupState[]; kinds: Map<number, string>; answered: Set<number> }> => {
            const d = await g.ok('coordinator', 'get_guest_dashboard', { guest_id: guestId });
            const state = d.taskGroups.map((x: any) => ({ id: x.id, status: x.status, tasks: x.tasks.map((t: any) => ({ id: t.id, status: t.status })) }));
            const kinds = new Map<number, string>(d.taskGroups.flatMap((x: any) => x.tasks.map((t: any) => [t.id, t.kind])));
            const { rows } = await g.b.db.query<{ id: number }>(`select t.id from guest_task t join task_question tq on tq.task_id = t.definition_id join guest_response r on r.question_id = tq.question_id and r.user_id = t.user_id where t.user_id = $1`, [guestId]);
            return { state, kinds, answered: new Set(rows.map((r) => r.id)) };
          };
          let { state, kinds, answered } = await read();
          assert.deepEqual(violations(state), []);
          assert.deepEqual(derive(state), state);
          const ids = state.flatMap((x) => x.tasks.map((t) => t.id));
          // Each form task has its own question (a question key is unique across a dashboard): `a_<task key>`.
          const keys = new Map<number, string>((await g.ok('coordinator', 'get_guest_dashboard', { guest_id: guestId })).taskGroups.flatMap((x: any) => x.tasks.map((t: any) => [t.id, t.key])));
          for (const [op, pick] of ops) {
            const taskId = ids[pick % ids.length]!;
            let expected: GroupState[] | 'refused';
            try {
              expected = apply(state, op as Op, taskId);
              if (op === 'complete' && kinds.get(taskId) === 'form' && !answered.has(taskId)) expected = 'refused';
            } catch {
              expected = 'refused';
            }
            const data =
              op === 'reset' ? { guest_id: guestId } : op === 'request' ? { task_id: taskId, message: 'More please' } : op === 'save' ? { task_id: taskId, answers: kinds.get(taskId) === 'form' ? { [`a_${keys.get(taskId)}`]: 'yes' } : {} } : { task_id: taskId };
            const r = await g.b.act(await g.token(op === 'request' || op === 'reset' ? 'coordinator' : who), ACTION[op], data);
            assert.equal(r.body.task.status, expected === 'refused' ? 'failed' : 'succeeded', `${op} on ${taskId} in ${JSON.stringify(state)}: ${JSON.stringify(r.body.task.error ?? '')}`);
            ({ state, kinds, answered } = await read());
            assert.deepEqual(violations(state), []);
            if (expected !== 'refused') assert.deepEqual(state, expected);
          }
        },
      ),
      { numRuns: 12 },
    );
  });
});
