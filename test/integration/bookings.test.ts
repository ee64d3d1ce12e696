import assert from 'node:assert/strict';
import pg from 'pg';
import { toAppError } from '../../src/core/errors.js';
import { startTestBureau, type TestBureau } from '../helpers/bureau.js';
import { SmtpSink } from '../helpers/smtp-sink.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('bookings (seed 004): submit, list, decide once, no double booking, requesters told', function () {
  this.timeout(120_000);
  const sink = new SmtpSink();
  let b: TestBureau;
  const token: Record<string, string> = {};
  const userId: Record<string, number> = {};
  let street = 0;

  before(async () => {
    await sink.up();
    b = await startTestBureau({ config: { smtpUrl: sink.url, publicUrl: 'http://bureau.test' } });
    for (const who of ['requester1@acme.test', 'requester2@acme.test', 'admin@acme.test', 'admin@globex.test', 'requester1@globex.test', 'compliance1@acme.test']) {
      token[who] = await b.login(who);
      const { rows } = await b.db.query<{ id: number }>('select id from app_user where email = $1', [who]);
      userId[who] = rows[0]!.id;
    }
  });
  after(async () => {
    await b?.close();
    await sink.down();
  });

  const R1 = 'requester1@acme.test';
  const R2 = 'requester2@acme.test';
  const ADMIN = 'admin@acme.test';
  const address = (n = ++street) => ({ street: `${n} Harbour Road`, city: 'Portsmouth', state: 'Hampshire', country: 'GB', postal_code: 'PO1 2AB' });
  const future = (days: number, hour = 10) => new Date(Math.floor(Date.now() / DAY) * DAY + days * DAY + hour * HOUR).toISOString();
  const booking = (extra: Record<string, unknown> = {}) => ({ topic: 'Planning day', starts_at: future(30), duration_minutes: 60, address: address(), ...extra });

  async function task(who: string, action: string, data: unknown) {
    const r = await b.act(token[who]!, action, data);
    assert.equal(r.status, 200, `${action} as ${who}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.task;
  }
  async function ok(who: string, action: string, data: unknown) {
    const t = await task(who, action, data);
    assert.equal(t.status, 'succeeded', `${action} as ${who} failed: ${JSON.stringify(t.error)}`);
    return t.result;
  }
  async function fails(who: string, action: string, data: unknown) {
    const t = await task(who, action, data);
    assert.equal(t.status, 'failed', `${action} as ${who} should fail: ${JSON.stringify(t)}`);
    return t.error;
  }
  const history = async (id: number) =>
    (await b.db.query<{ event: string; from_status: string | null; to_status: string; actor_id: number | null }>(`select event, from_status, to_status, actor_id from entity_event where entity_type = 'booking' and entity_id = $1 order by id`, [id])).rows;

  describe('demo data', () => {
    it('has requester1 and requester2 in acme and bookings in every state, decided by admin@acme.test', async () => {
      const { rows } = await b.db.query<{ status: string; decided_by: number | null; n: number }>(
        `select b.status, b.decided_by, count(*)::int as n from booking b join tenant t on t.id = b.tenant_id where t.slug = 'acme' group by 1, 2 order by 1`,
      );
      assert.deepEqual(rows.map((r) => r.status), ['accepted', 'pending', 'rejected']);
      for (const r of rows) assert.equal(r.decided_by, r.status === 'pending' ? null : userId[ADMIN]);
      const { rows: users } = await b.db.query(`select email, role, status from app_user where email like 'requester_@acme.test' order by email`);
      assert.deepEqual(users, [{ email: R1, role: 'requester', status: 'active' }, { email: R2, role: 'requester', status: 'active' }]);
    });

    it("shows the admin the demo's pending booking that overlaps the accepted one", async () => {
      const list = await ok(ADMIN, 'list_bookings', { status: 'pending' });
      assert.ok(list.bookings.some((x: any) => x.topic === 'Product demo' && x.overlaps.length === 1 && x.overlaps[0].topic === 'Team offsite kickoff'));
    });
  });

  describe('submit_booking', () => {
    it('records a pending booking of the requester, with its account email and a submitted event', async () => {
      const result = await ok(R1, 'submit_booking', booking({ contact_email: 'Someone.Else@elsewhere.test', notes: 'Coffee for ten.' }));
      assert.equal(result.status, 'pending');
      assert.equal(result.requesterEmail, R1);
      assert.equal(result.contactEmail, 'someone.else@elsewhere.test');
      assert.equal(result.address.country, 'GB');
      assert.equal(new Date(result.endsAt).getTime() - new Date(result.startsAt).getTime(), 60 * 60_000);
      assert.deepEqual(await history(result.id), [{ event: 'submitted', from_status: null, to_status: 'pending', actor_id: userId[R1] }]);
    });

    it('fails a start in the past inside the task with VALIDATION_FAILED naming starts_at', async () => {
      const err = await fails(R1, 'submit_booking', booking({ starts_at: new Date(Date.now() - HOUR).toISOString() }));
      assert.equal(err.code, 'VALIDATION_FAILED');
      assert.equal(err.details.issues[0].path, 'starts_at');
    });

    it('judges the start against the submission, not the hour the worker runs it', async () => {
      const start = new Date(Date.now() + DAY).toISOString();
      b.rt.clock.now = () => new Date(Date.now() + 2 * DAY);
      try {
        assert.equal((await ok(R1, 'submit_booking', booking({ starts_at: start }))).status, 'pending');
      } finally {
        b.rt.clock.now = () => new Date();
      }
    });

    for (const [what, data, path] of [
      ['a zero duration', { duration_minutes: 0 }, 'duration_minutes'],
      ['a duration over a day', { duration_minutes: 1441 }, 'duration_minutes'],
      ['an unknown country code', { address: { ...address(), country: 'XX' } }, 'address.country'],
      ['a grouping that is not a country', { address: { ...address(), country: 'EU' } }, 'address.country'],
      ['a city without letters', { address: { ...address(), city: '12345' } }, 'address.city'],
      ['a missing postal code', { address: { street: '1 Main St', city: 'Leeds', state: 'Yorkshire', country: 'GB' } }, 'address.postal_code'],
      ['a start without a time zone', { starts_at: '2030-05-04T09:00:00' }, 'starts_at'],
      ['a malformed contact email', { contact_email: 'not an email' }, 'contact_email'],
    ] as const) {
      it(`refuses ${what} at the door with 400 naming ${path}`, async () => {
        const r = await b.act(token[R1]!, 'submit_booking', booking(data));
        assert.equal(r.status, 400, JSON.stringify(r.body));
        assert.equal(r.body.error.code, 'VALIDATION_FAILED');
        assert.ok(r.body.error.details.issues.some((i: any) => i.path === path), JSON.stringify(r.body.error.details.issues));
      });
    }

    it('is the requester\'s alone: an admin or a compliance officer gets 403', async () => {
      for (const who of [ADMIN, 'compliance1@acme.test']) assert.equal((await b.act(token[who]!, 'submit_booking', booking())).status, 403);
    });
  });

  describe('list_bookings', () => {
    it("shows a requester only their own bookings, and the admin everyone's, filtered by status and start", async () => {
      const mine = await ok(R2, 'submit_booking', booking({ topic: 'R2 only', starts_at: future(40) }));
      const r1 = await ok(R1, 'list_bookings', {});
      assert.ok(r1.bookings.length > 0);
      assert.ok(r1.bookings.every((x: any) => x.requesterId === userId[R1] && !('overlaps' in x)));
      const r2 = await ok(R2, 'list_bookings', { status: 'pending' });
      assert.ok(r2.bookings.some((x: any) => x.id === mine.id));
      assert.ok(r2.bookings.every((x: any) => x.requesterId === userId[R2] && x.status === 'pending'));
      const all = await ok(ADMIN, 'list_bookings', { from: future(39), to: future(41) });
      assert.deepEqual(all.bookings.map((x: any) => x.id), [mine.id]);
      assert.equal(all.total, 1);
      const other = await ok('admin@globex.test', 'list_bookings', {});
      assert.ok(!other.bookings.some((x: any) => x.id === mine.id));
    });
  });

  describe('accept_booking and reject_booking', () => {
    it('accepts once: the requester gets a notice and an email, and a second decision is INVALID_TRANSITION', async () => {
      const feed = await b.feed(token[R1]!);
      try {
        const sub = await ok(R1, 'submit_booking', booking({ topic: 'Accept me' }));
        const acc = await ok(ADMIN, 'accept_booking', { id: sub.id });
        assert.equal(acc.status, 'accepted');
        assert.equal(acc.decidedBy, userId[ADMIN]);
        const notice = await feed.waitFor((m) => m.type === 'notice' && m.notice.type === 'booking.accepted' && m.notice.item.id === sub.id);
        assert.equal(notice.notice.topic, 'Accept me');
        const [mail] = await sink.waitFor(R1);
        assert.match(mail!.subject, /Booking accepted: Accept me/);
        assert.ok(!sink.messages.some((m) => m.to.includes('elsewhere.test')));
        for (const [action, data] of [['accept_booking', { id: sub.id }], ['reject_booking', { id: sub.id, reason: 'too late' }]] as const) {
          const err = await fails(ADMIN, action, data);
          assert.equal(err.code, 'INVALID_TRANSITION');
          assert.deepEqual(err.details.allowedFrom, ['pending']);
        }
        assert.deepEqual((await history(sub.id)).map((h) => h.event), ['submitted', 'accepted']);
      } finally {
        await feed.close();
      }
    });

    it('rejects with a reason the requester is told in the notice and the email', async () => {
      const feed = await b.feed(token[R2]!);
      try {
        const sub = await ok(R2, 'submit_booking', booking({ topic: 'Reject me' }));
        const rej = await ok(ADMIN, 'reject_booking', { id: sub.id, reason: 'The room is being painted.' });
        assert.equal(rej.status, 'rejected');
        const notice = await feed.waitFor((m) => m.type === 'notice' && m.notice.type === 'booking.rejected' && m.notice.item.id === sub.id);
        assert.equal(notice.notice.reason, 'The room is being painted.');
        const mails = await sink.waitFor(R2);
        assert.ok(mails.some((m) => /Booking rejected: Reject me/.test(m.subject) && m.text.includes('The room is being painted.')));
      } finally {
        await feed.close();
      }
    });

    it('refuses a reject without a reason at the door', async () => {
      const r = await b.act(token[ADMIN]!, 'reject_booking', { id: 1 });
      assert.equal(r.status, 400);
      assert.equal(r.body.error.details.issues[0].path, 'reason');
    });

    it('refuses to accept a booking that overlaps an accepted one at the same address, naming it', async () => {
      const where = address();
      const first = await ok(R1, 'submit_booking', booking({ address: where, starts_at: future(50, 9), duration_minutes: 120 }));
      // Same address written differently: case, punctuation and spacing do not make it another place.
      const second = await ok(R2, 'submit_booking', booking({ address: { ...where, street: where.street.toUpperCase() + '.', city: ' portsmouth ' }, starts_at: future(50, 10) }));
      const elsewhere = await ok(R2, 'submit_booking', booking({ starts_at: future(50, 10) }));
      const after = await ok(R2, 'submit_booking', booking({ address: where, starts_at: future(50, 11) }));
      await ok(ADMIN, 'accept_booking', { id: first.id });
      const err = await fails(ADMIN, 'accept_booking', { id: second.id });
      assert.equal(err.code, 'CONFLICT');
      assert.equal(err.details.conflictsWith, first.id);
      assert.match(err.message, new RegExp(`^Cannot accept booking ${second.id}: it overlaps accepted booking ${first.id} at the same address`));
      await ok(ADMIN, 'accept_booking', { id: elsewhere.id });
      await ok(ADMIN, 'accept_booking', { id: after.id }); // starts when the first ends: periods are [start, end)
      const list = await ok(ADMIN, 'list_bookings', { status: 'pending', from: future(50, 0), to: future(51, 0) });
      assert.deepEqual(list.bookings.find((x: any) => x.id === second.id).overlaps.map((o: any) => o.id), [first.id]);
    });

    it('lets exactly one of many concurrent accepts of overlapping bookings win, every round', async () => {
      for (let round = 0; round < 8; round++) {
        const where = address();
        const subs = await Promise.all(Array.from({ length: 6 }, (_, i) => ok(i % 2 ? R1 : R2, 'submit_booking', booking({ address: where, starts_at: future(60 + round, 9), duration_minutes: 60 + i * 10 }))));
        const results = await Promise.all(subs.map((s) => task(ADMIN, 'accept_booking', { id: s.id })));
        const won = results.filter((t) => t.status === 'succeeded');
        assert.equal(won.length, 1, `round ${round}: ${JSON.stringify(results.map((t) => t.status))}`);
        for (const t of results.filter((x) => x.status === 'failed')) {
          assert.equal(t.error.code, 'CONFLICT', JSON.stringify(t.error));
          assert.equal(t.error.details.conflictsWith, won[0].result.id);
        }
        const { rows } = await b.db.query(`select count(*)::int as n from booking where id = any($1::int[]) and status = 'accepted'`, [subs.map((s) => s.id)]);
        assert.equal(rows[0].n, 1);
      }
    });

    it('is the admin\'s alone: a requester gets 403', async () => {
      assert.equal((await b.act(token[R1]!, 'accept_booking', { id: 1 })).status, 403);
      assert.equal((await b.act(token[R1]!, 'delete_booking', { id: 1 })).status, 403);
    });

    it("answers another tenant's booking with NOT_FOUND", async () => {
      const sub = await ok('requester1@globex.test', 'submit_booking', booking());
      assert.equal((await fails(ADMIN, 'accept_booking', { id: sub.id })).code, 'NOT_FOUND');
      assert.equal((await fails(ADMIN, 'delete_booking', { id: sub.id })).code, 'NOT_FOUND');
    });
  });

  describe('delete_booking', () => {
    it('deletes a booking, frees its slot and keeps its history', async () => {
      const where = address();
      const a = await ok(R1, 'submit_booking', booking({ address: where }));
      const c = await ok(R2, 'submit_booking', booking({ address: where }));
      await ok(ADMIN, 'accept_booking', { id: a.id });
      assert.deepEqual(await ok(ADMIN, 'delete_booking', { id: a.id }), { id: a.id, deleted: true });
      assert.equal((await fails(ADMIN, 'accept_booking', { id: a.id })).code, 'NOT_FOUND');
      await ok(ADMIN, 'accept_booking', { id: c.id });
      assert.deepEqual((await history(a.id)).map((h) => h.event), ['submitted', 'accepted', 'deleted']);
    });
  });

  describe('the overlap constraint itself', () => {
    it('holds under a direct write, and 23P01 maps to CONFLICT naming the existing booking', async () => {
      const c = new pg.Client({ connectionString: b.config.databaseUrl });
      await c.connect();
      try {
        const { rows } = await c.query<{ id: number }>(`select id from booking where status = 'accepted' order by id limit 1`);
        const existing = rows[0]!.id;
        const err = await c
          .query(
            `insert into booking (tenant_id, requester_id, requester_email, topic, starts_at, ends_at, duration_minutes, address, address_key, status)
             select tenant_id, requester_id, requester_email, 'copy', starts_at, ends_at, duration_minutes, address, address_key, 'accepted' from booking where id = $1`,
            [existing],
          )
          .then(() => null, (e: unknown) => e);
        assert.ok(err, 'the overlapping insert went through');
        assert.equal((err as { code: string }).code, '23P01');
        const app = toAppError(err);
        assert.equal(app.code, 'CONFLICT');
        assert.equal(app.status, 409);
        assert.deepEqual(app.details, { constraint: 'booking_no_overlap', conflictsWith: existing });
      } finally {
        await c.end();
      }
    });
  });
});
