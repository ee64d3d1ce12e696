import assert from 'node:assert/strict';
import { DEMO_GUEST_DASHBOARD, DEMO_HOST_DASHBOARD } from '../../src/domains/guests/demo-dashboards.js';
import { at, openGuests, shape, type Guests } from './guests-setup.js';

const APPLICATION = {
  full_name: 'Ada Guest',
  date_of_birth: '2000-01-02',
  phone: '+1 213 555 0100',
  current_housing: 'Shelter',
  employed: false,
  in_school: true,
  smokes: false,
  about_you: 'I am studying nursing.',
};

describe('guests (seed 000): dashboards, unlock rules, answers, coordinators', function () {
  this.timeout(90_000);
  let g: Guests;
  before(async () => {
    g = await openGuests();
  });
  after(async () => {
    await g?.close();
  });

  const dashboard = (who: string, guestId?: number) => g.ok(who, 'get_guest_dashboard', guestId === undefined ? {} : { guest_id: guestId });
  const taskId = (d: any, key: string): number => d.taskGroups.flatMap((x: any) => x.tasks).find((t: any) => t.key === key).id;
  const history = async (type: string, id: number) =>
    (await g.b.db.query<{ event: string; from_status: string | null; to_status: string; reason: string | null }>('select event, from_status, to_status, reason from entity_event where entity_type = $1 and entity_id = $2 order by id', [type, id])).rows;
  const mails = async (to: string) =>
    (await g.b.db.query<{ n: number }>(`select count(*)::int as n from task where action = 'send_guest_mail' and status = 'succeeded' and result->>'to' = $1`, [to])).rows[0]!.n;
  async function until(fn: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 200 && !(await fn()); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(await fn(), 'condition never came true');
  }

  describe('demo data', () => {
    it('puts guest1 at the very start, guest2 midway through the first group and guest3 past it, all with the contract logins', async () => {
      assert.deepEqual(shape(await dashboard('guest1')), ['Start: Start | Locked | Locked', 'Locked: Locked | Locked', 'Locked: Locked | Locked']);
      assert.deepEqual(shape(await dashboard('guest2')), ['In progress: Complete | In progress | Locked', 'Locked: Locked | Locked', 'Locked: Locked | Locked']);
      assert.deepEqual(shape(await dashboard('guest3')), ['Complete: Complete | Complete | Complete', 'Start: Start | Locked', 'Locked: Locked | Locked']);
      assert.deepEqual(shape(await dashboard('host1')), ['Start: Start | Locked | Locked', 'Locked: Locked']);
      for (const who of ['admin', 'coordinator', 'host1', 'guest1', 'guest2', 'guest3']) await g.token(`${who}@haven.test`);
      const d = await dashboard('guest1');
      assert.deepEqual(Object.keys(d.taskGroups[0].tasks[0]).sort(), ['description', 'id', 'infoRequest', 'key', 'kind', 'linkText', 'status', 'title', 'url']);
      assert.deepEqual(d.taskGroups.map((x: any) => x.key), ['application_and_onboarding', 'host_matching', 'host_match_finalization']);
    });
  });

  describe('the unlock rules', () => {
    it('refuses a locked task with INVALID_TRANSITION naming the blocking task', async () => {
      const d = await dashboard('guest1');
      const err = await g.fails('guest1', 'start_guest_task', { task_id: taskId(d, 'training_session') });
      assert.equal(err.code, 'INVALID_TRANSITION');
      assert.equal(err.details.blockingTaskId, taskId(d, 'application'));
      const later = await g.fails('guest1', 'complete_guest_task', { task_id: taskId(d, 'host_matching') });
      assert.equal(later.details.blockingTaskId, taskId(d, 'application'));
    });

    it('validates answers against the questions, naming each that does not fit', async () => {
      const app = taskId(await dashboard('guest1'), 'application');
      const err = await g.fails('guest1', 'save_guest_answers', { task_id: app, answers: { employed: 'yes', current_housing: 'Castle', nope: 1 } });
      assert.equal(err.code, 'VALIDATION_FAILED');
      assert.deepEqual(err.details.issues.map((i: any) => i.question).sort(), ['current_housing', 'employed', 'nope']);
      assert.deepEqual(shape(await dashboard('guest1'))[0], 'Start: Start | Locked | Locked', 'a refused save changes nothing');
    });

    it('saves answers (In progress), refuses completion while a required answer is missing, then completes and unlocks the next task', async () => {
      const app = taskId(await dashboard('guest1'), 'application');
      const saved = await g.ok('guest1', 'save_guest_answers', { task_id: app, answers: { full_name: 'Ada Guest', languages: ['English'] } });
      assert.equal(saved.status, 'In progress');
      assert.equal(saved.questions.find((q: any) => q.key === 'full_name').response, 'Ada Guest');
      assert.deepEqual(saved.questions.find((q: any) => q.key === 'languages').response, ['English']);
      assert.equal(saved.questions.find((q: any) => q.key === 'pets').response, null);
      const missing = await g.fails('guest1', 'complete_guest_task', { task_id: app });
      assert.equal(missing.code, 'VALIDATION_FAILED');
      assert.ok(missing.details.issues.some((i: any) => i.question === 'date_of_birth'));
      await g.ok('guest1', 'save_guest_answers', { task_id: app, answers: APPLICATION });
      const done = await g.ok('guest1', 'complete_guest_task', { task_id: app });
      assert.deepEqual(shape(done)[0], 'In progress: Complete | Start | Locked');
      const app2 = await g.ok('guest1', 'get_guest_application', { task_id: app });
      assert.equal(app2.questions.find((q: any) => q.key === 'about_you').response, 'I am studying nursing.');
      assert.deepEqual(
        (await history('guest_task', app)).map((e) => `${e.event}:${e.to_status}`),
        ['created:Locked', 'unlocked:Start', 'saved:In progress', 'saved:In progress', 'completed:Complete'],
      );
    });

    it('completing the last task of a group completes it, unlocks the next, and tells the coordinator (feed + email)', async () => {
      const coordinatorFeed = await g.b.feed(await g.token('coordinator'));
      const d = await dashboard('guest2');
      await g.ok('guest2', 'complete_guest_task', { task_id: taskId(d, 'coordinator_interview') });
      const after = await g.ok('guest2', 'complete_guest_task', { task_id: taskId(d, 'training_session') });
      assert.deepEqual(shape(after), ['Complete: Complete | Complete | Complete', 'Start: Start | Locked', 'Locked: Locked | Locked']);
      const notice = await coordinatorFeed.waitFor((m) => m.type === 'notice' && m.notice?.type === 'guest.group_completed');
      assert.equal(notice.notice.guestId, await g.id('guest2'));
      await coordinatorFeed.close();
      await until(async () => (await mails(at('coordinator'))) >= 1);
      assert.deepEqual((await history('task_group', after.taskGroups[1].id)).map((e) => e.event), ['created', 'unlocked']);
    });

    it('freezes a complete group: no answer deletion, no request for information', async () => {
      const d = await dashboard('guest3');
      const app = taskId(d, 'application');
      assert.equal((await g.fails('guest3', 'delete_guest_answers', { task_id: app })).code, 'INVALID_TRANSITION');
      assert.equal((await g.fails('coordinator', 'request_guest_information', { task_id: app, message: 'More?' })).code, 'INVALID_TRANSITION');
    });
  });

  describe('requests for information', () => {
    it('sends the task to More information is needed, tells the guest, and tells the coordinator when the guest answers', async () => {
      const guestFeed = await g.b.feed(await g.token('guest3'));
      const coordinatorFeed = await g.b.feed(await g.token('coordinator'));
      const guest3 = await g.id('guest3');
      const prefs = taskId(await dashboard('guest3'), 'match_preferences');
      const asked = await g.ok('coordinator', 'request_guest_information', { task_id: prefs, message: 'Which neighbourhoods exactly?' });
      assert.equal(asked.guestId, guest3);
      assert.deepEqual(shape(asked)[1], 'More information is needed: More information is needed | Locked');
      assert.equal(asked.taskGroups[1].tasks[0].infoRequest, 'Which neighbourhoods exactly?');
      const told = await guestFeed.waitFor((m) => m.type === 'notice' && m.notice?.type === 'guest.information_requested');
      assert.equal(told.notice.message, 'Which neighbourhoods exactly?');
      await until(async () => (await mails(at('guest3'))) >= 1);

      const answered = await g.ok('guest3', 'save_guest_answers', { task_id: prefs, answers: { preferred_area: 'Echo Park', ok_with_pets: true } });
      assert.equal(answered.status, 'In progress');
      const back = await coordinatorFeed.waitFor((m) => m.type === 'notice' && m.notice?.type === 'guest.information_provided');
      assert.equal(back.notice.item.id, prefs);
      const done = await g.ok('guest3', 'complete_guest_task', { task_id: prefs });
      assert.deepEqual(shape(done)[1], 'In progress: Complete | Start');
      assert.equal(done.taskGroups[1].tasks[0].infoRequest, null);
      await guestFeed.close();
      await coordinatorFeed.close();
    });

    it('is for coordinators and admins only (403 at the door), and a guest cannot act on a task of another guest (NOT_FOUND)', async () => {
      const d = await dashboard('guest1');
      assert.equal((await g.refused('guest1', 'request_guest_information', { task_id: taskId(d, 'application'), message: 'x' })).status, 403);
      assert.equal((await g.refused('coordinator', 'start_guest_task', { task_id: taskId(d, 'application') })).status, 403);
      assert.equal((await g.fails('guest2', 'get_guest_application', { task_id: taskId(d, 'application') })).code, 'NOT_FOUND');
      assert.equal((await g.fails('guest2', 'get_guest_dashboard', { guest_id: await g.id('guest1') })).code, 'NOT_FOUND');
      assert.equal((await g.fails('admin@haven.test', 'get_guest_dashboard', { guest_id: await g.id('guest1') })).code, 'NOT_FOUND');
      assert.equal((await g.fails('coordinator@haven.test', 'request_guest_information', { task_id: taskId(d, 'application'), message: 'x' })).code, 'NOT_FOUND');
    });
  });

  describe('delete', () => {
    it('delete_guest_answers puts the task back to Start, relocks the later tasks of the group and deletes the answers', async () => {
      const d = await dashboard('guest1');
      const app = taskId(d, 'application');
      const after = await g.ok('guest1', 'delete_guest_answers', { task_id: app });
      assert.deepEqual(shape(after)[0], 'Start: Start | Locked | Locked');
      const read = await g.ok('guest1', 'get_guest_application', { task_id: app });
      assert.ok(read.questions.every((q: any) => q.response === null));
      assert.deepEqual((await history('guest_task', taskId(d, 'coordinator_interview'))).map((e) => e.event), ['created', 'unlocked', 'relocked']);
    });

    it('delete_guest_progress relocks everything, deletes every answer and unlocks the start again', async () => {
      const guest2 = await g.id('guest2');
      const after = await g.ok('coordinator', 'delete_guest_progress', { guest_id: guest2, reason: 'starting over' });
      assert.deepEqual(shape(after), ['Start: Start | Locked | Locked', 'Locked: Locked | Locked', 'Locked: Locked | Locked']);
      const { rows } = await g.b.db.query('select count(*)::int as n from guest_response where user_id = $1', [guest2]);
      assert.equal(rows[0].n, 0);
      const events = await history('task_group', after.taskGroups[0].id);
      assert.deepEqual(events.slice(-2).map((e) => `${e.event}:${e.to_status}`), ['reset:Locked', 'unlocked:Start']);
      assert.equal(events.at(-2)!.reason, 'starting over');
    });
  });

  describe('dashboard definitions and versions', () => {
    it('refuses a malformed definition at the door, naming the path', async () => {
      const bad = structuredClone(DEMO_GUEST_DASHBOARD) as any;
      bad.taskGroups[0].tasks[0].questions[1].type = 'colour';
      bad.taskGroups[1].tasks[0].questions[0].options = ['a'];
      const r = await g.refused('admin', 'publish_guest_dashboard', { definition: bad });
      assert.equal(r.status, 400);
      const paths = r.error.details.issues.map((i: any) => i.path);
      assert.ok(paths.includes('definition.taskGroups.0.tasks.0.questions.1.type'), JSON.stringify(paths));
    });

    it('publishes a new version; people under way keep theirs; new guests and those who start over get the new one', async () => {
      const v2 = structuredClone(DEMO_GUEST_DASHBOARD) as any;
      v2.title = 'Guest onboarding v2';
      v2.taskGroups[0].tasks[0].questions[0].text = 'Your legal name?';
      v2.taskGroups[0].tasks.splice(1, 1);
      const published = await g.ok('admin', 'publish_guest_dashboard', { definition: v2 });
      assert.equal(published.version, 2);
      const read = await g.ok('admin', 'get_guest_dashboard_definition', { role: 'guest' });
      assert.equal(read.definition.taskGroups[0].tasks[0].questions[0].text, 'Your legal name?');
      assert.deepEqual(read.versions.map((v: any) => v.version), [1, 2]);

      const guest3 = await dashboard('guest3');
      assert.equal(guest3.dashboard.version, 1);
      const app = await g.ok('guest3', 'get_guest_application', { task_id: taskId(guest3, 'application') });
      assert.equal(app.questions[0].text, 'What is your full name?');

      const invited = await g.ok('coordinator', 'invite_guest', { email: 'new.guest@example.com', role: 'guest', first_name: 'New', last_name: 'Guest' });
      const fresh = await dashboard('coordinator', invited.userId);
      assert.equal(fresh.dashboard.version, 2);
      assert.deepEqual(shape(fresh)[0], 'Start: Start | Locked');
      assert.equal(fresh.coordinatorId, await g.id('coordinator'));

      const restarted = await g.ok('admin', 'delete_guest_progress', { guest_id: await g.id('guest3') });
      assert.equal(restarted.dashboard.version, 2);
      assert.deepEqual(shape(restarted)[0], 'Start: Start | Locked');
    });

    it("a person moved to a newer version by delete_guest_progress can no longer act on the old version's tasks (NOT_FOUND, no event), and the old board stays Locked", async () => {
      const guest2 = await g.id('guest2');
      const old = await dashboard('guest2');
      assert.equal(old.dashboard.version, 1);
      const oldTasks: number[] = old.taskGroups.flatMap((x: any) => x.tasks.map((t: any) => t.id));
      const oldGroups: number[] = old.taskGroups.map((x: any) => x.id);
      const published = await g.ok('admin', 'publish_guest_dashboard', { definition: { ...structuredClone(DEMO_GUEST_DASHBOARD), title: 'Guest onboarding, newer' } });
      const moved = await g.ok('coordinator', 'delete_guest_progress', { guest_id: guest2, reason: 'new version' });
      assert.equal(moved.dashboard.version, published.version);
      assert.deepEqual(shape(moved)[0], 'Start: Start | Locked | Locked');
      const { rows: left } = await g.b.db.query<{ status: string }>('select status from guest_task where id = any($1::int[]) union all select status from task_group where id = any($2::int[])', [oldTasks, oldGroups]);
      assert.ok(left.length && left.every((r) => r.status === 'Locked'), `the left board stays Locked: ${JSON.stringify(left)}`);
      const events = async () => (await g.b.db.query<{ n: number }>(`select count(*)::int as n from entity_event where entity_type = 'guest_task' and entity_id = any($1::int[])`, [oldTasks])).rows[0]!.n;
      const before = await events();
      const app = taskId(old, 'application');
      for (const [who, action, data] of [
        ['guest2', 'start_guest_task', { task_id: app }],
        ['guest2', 'save_guest_answers', { task_id: app, answers: { full_name: 'Old Board' } }],
        ['guest2', 'complete_guest_task', { task_id: app }],
        ['guest2', 'get_guest_application', { task_id: app }],
        ['coordinator', 'request_guest_information', { task_id: app, message: 'x' }],
      ] as const) {
        assert.equal((await g.fails(who, action, data)).code, 'NOT_FOUND', `${action} on a task of the version left`);
      }
      assert.equal(await events(), before);
      const { rows: answers } = await g.b.db.query('select count(*)::int as n from guest_response where user_id = $1', [guest2]);
      assert.equal(answers[0].n, 0);
      // The new version's tasks are theirs.
      await g.ok('guest2', 'start_guest_task', { task_id: taskId(moved, 'application') });
    });

    it('refuses a question key asked in two tasks of one dashboard (one stored answer would serve both), naming the path', async () => {
      const bad = structuredClone(DEMO_GUEST_DASHBOARD) as any;
      bad.taskGroups[1].tasks[0].questions[0].key = 'full_name';
      const r = await g.refused('admin', 'publish_guest_dashboard', { definition: bad });
      assert.equal(r.status, 400);
      assert.equal(r.error.code, 'VALIDATION_FAILED');
      const issue = r.error.details.issues.find((i: any) => i.path === 'definition.taskGroups.1.tasks.0.questions.0.key');
      assert.ok(issue, JSON.stringify(r.error.details.issues));
      assert.match(issue.message, /full_name.*taskGroups\.0\.tasks\.0\.questions\.0/);
    });

    it('serialises concurrent publishes of one role: both succeed with the next two versions', async () => {
      const host = (title: string) => ({ definition: { ...structuredClone(DEMO_HOST_DASHBOARD), title } });
      const before = (await g.ok('admin', 'get_guest_dashboard_definition', { role: 'host' })).versions.map((v: any) => v.version) as number[];
      const n = Math.max(...before);
      await g.token('admin');
      const published = await Promise.all([1, 2].map((i) => g.ok('admin', 'publish_guest_dashboard', host(`Host onboarding ${i}`))));
      assert.deepEqual(published.map((p) => p.version as number).sort((x, y) => x - y), [n + 1, n + 2]);
    });
  });

  describe('invitations and coordinators', () => {
    it("invite_user gives a guest the coordinator the admin names, and refuses a guest without one", async () => {
      const coordinator = await g.id('coordinator');
      const none = await g.fails('admin', 'invite_user', { email: 'no.coord@example.com', role: 'guest', first_name: 'No', last_name: 'Coord' });
      assert.equal(none.code, 'VALIDATION_FAILED');
      assert.equal(none.details.issues[0].path, 'coordinator_id');
      const wrong = await g.fails('admin', 'invite_user', { email: 'no.coord@example.com', role: 'guest', first_name: 'No', last_name: 'Coord', coordinator_id: await g.id('guest1') });
      assert.equal(wrong.code, 'VALIDATION_FAILED');
      const ok = await g.ok('admin', 'invite_user', { email: 'host.two@example.com', role: 'host', first_name: 'Host', last_name: 'Two', coordinator_id: coordinator });
      const list = await g.ok('coordinator', 'list_guests', {});
      const row = list.guests.find((x: any) => x.id === ok.userId);
      assert.equal(row.role, 'host');
      assert.equal(row.currentTask.title, 'Application');
      assert.equal((await g.refused('guest1', 'invite_guest', { email: 'x@example.com', role: 'guest', first_name: 'X', last_name: 'Y' })).status, 403);
      // Deleting the invitation takes the invited person's onboarding rows with it.
      const { rows } = await g.b.db.query<{ id: number }>('select id from invitation where user_id = $1', [ok.userId]);
      await g.ok('admin', 'delete_invitation', { id: rows[0]!.id });
      const left = await g.b.db.query('select (select count(*)::int from guest_profile where user_id = $1) + (select count(*)::int from guest_task where user_id = $1) as n', [ok.userId]);
      assert.equal(left.rows[0].n, 0);
    });

    it("shows a coordinator only their own guests: another coordinator's guest is NOT_FOUND", async () => {
      const { rows } = await g.b.db.query<{ tenant_id: number; password_hash: string }>(`select tenant_id, password_hash from app_user where email = 'coordinator@hope.test'`);
      await g.b.db.query(`insert into app_user (tenant_id, email, role, level, status, first_name, last_name, password_hash) values ($1, 'other.coordinator@hope.test', 'coordinator', 1, 'active', 'Other', 'Coordinator', $2)`, [
        rows[0]!.tenant_id,
        rows[0]!.password_hash,
      ]);
      const other = 'other.coordinator@hope.test';
      assert.deepEqual((await g.ok(other, 'list_guests', {})).guests, []);
      assert.equal((await g.fails(other, 'get_guest_dashboard', { guest_id: await g.id('guest1') })).code, 'NOT_FOUND');
      const app = taskId(await dashboard('guest1'), 'application');
      assert.equal((await g.fails(other, 'request_guest_information', { task_id: app, message: 'x' })).code, 'NOT_FOUND');
      const all = await g.ok('admin', 'list_guests', {});
      for (const who of ['host1', 'guest1', 'guest2', 'guest3']) assert.ok(all.guests.some((x: any) => x.email === `${who}@hope.test`), `the admin lists ${who}`);
      const guest1 = all.guests.find((x: any) => x.email === 'guest1@hope.test');
      assert.equal(guest1.currentGroup.title, 'Application & Onboarding');
    });
  });
});
