import assert from 'node:assert/strict';
import { eventually } from './backoffice-setup.js';
import { ActionServer, oneTask, openTickets, type Tickets } from './workflows-setup.js';

describe('workflows (seed 003): SYNC_ACTION and ASYNC_ACTION tasks', function () {
  this.timeout(120_000);
  const server = new ActionServer();
  let t: Tickets;
  before(async () => {
    await server.up();
    // Loopback only: the allow-list names 127.0.0.1, never `localhost` or `elsewhere.test`.
    t = await openTickets({ config: { workflowCalloutHosts: ['127.0.0.1'] } });
  });
  after(async () => {
    await t?.close();
    await server.down();
  });
  afterEach(() => {
    t.b.rt.clock.now = () => new Date();
  });

  const action = (path: string, extra: Record<string, unknown> = {}) => ({
    type: 'SYNC_ACTION',
    action_url: `${server.url}${path}`,
    input_transform: '{ "amount": amount, "doubled": amount * 2 }',
    output_transform: '{ "order_id": id }',
    output_schema: { type: 'object', required: ['order_id'] },
    timeout_seconds: 5,
    ...extra,
  });
  const submit = async (spec: Record<string, unknown>, amount = 21) => {
    const defId = await t.publish(spec);
    return t.ok('user', 'submit_ticket', { ticket_definition_id: defId, data: { amount } });
  };
  const settled = (taskId: number, statuses = ['COMPLETED', 'ERROR', 'CANCELLED']) =>
    eventually(`task instance ${taskId} settled`, async () => {
      const task = await t.ok('ticketadmin', 'get_workflow_task', { id: taskId });
      return statuses.includes(task.status) ? task : undefined;
    }, 20_000);

  it('POSTs the transformed input, keeps the transformed reply as output and routes on (SYNC_ACTION)', async () => {
    const ticket = await submit(oneTask('Order', action('/ok')));
    const task = await settled(ticket.tasks[0].id);
    assert.equal(task.status, 'COMPLETED', JSON.stringify(task.error));
    assert.deepEqual(task.input, { amount: 21, doubled: 42 });
    assert.match(task.output.order_id, /^PO-\d+$/);
    const call = server.received.find((r) => r.headers['x-bureau-task'] === String(task.id))!;
    assert.deepEqual(call.body, { amount: 21, doubled: 42 });
    const done = await t.ok('user', 'get_ticket', { id: ticket.id });
    assert.equal(done.status, 'COMPLETED');
    assert.equal(done.workflow.data.order_id, task.output.order_id);
  });

  it('puts the task in ERROR on a non-2xx reply, recorded as a succeeded pipeline task; a ticket admin retries it as a new attempt', async () => {
    const ticket = await submit(oneTask('Flaky', action('/flaky', { output_transform: undefined, output_schema: undefined })));
    const failed = await settled(ticket.tasks[0].id);
    assert.equal(failed.status, 'ERROR');
    assert.equal(failed.error.code, 'CALLOUT_FAILED');
    assert.match(failed.error.message, /answered 500/);
    const { rows } = await t.b.db.query(`select status, result from task where action = 'record_action_outcome' and input->>'task_instance_id' = $1`, [String(failed.id)]);
    assert.deepEqual(rows.map((r) => [r.status, r.result.status, r.result.error.code]), [['succeeded', 'ERROR', 'CALLOUT_FAILED']]);
    const retried = await t.ok('ticketadmin', 'retry_workflow_task', { id: failed.id });
    assert.equal(retried.attempt, 2);
    const done = await settled(failed.id);
    assert.equal(done.status, 'COMPLETED');
    assert.deepEqual(done.output, { id: 'PO-flaky' });
    assert.equal((await t.fails('ticketadmin', 'retry_workflow_task', { id: failed.id })).code, 'INVALID_TRANSITION');
  });

  it('gives up after timeout_seconds on a server that never answers (CALLOUT_TIMEOUT)', async () => {
    const ticket = await submit(oneTask('Slow', action('/slow', { timeout_seconds: 1 })));
    const task = await settled(ticket.tasks[0].id);
    assert.equal(task.status, 'ERROR');
    assert.equal(task.error.code, 'CALLOUT_TIMEOUT');
  });

  it('does not follow a redirect to another host', async () => {
    const ticket = await submit(oneTask('Redirect', action('/redirect')));
    const task = await settled(ticket.tasks[0].id);
    assert.equal(task.status, 'ERROR');
    assert.match(task.error.message, /redirect to elsewhere\.test.*not followed/);
  });

  it('never calls a host outside WORKFLOW_CALLOUT_HOSTS (localhost is not 127.0.0.1)', async () => {
    const before = server.received.length;
    const port = new URL(server.url).port;
    const ticket = await submit(oneTask('Elsewhere', { ...action('/ok'), action_url: `http://localhost:${port}/ok` }));
    const task = await settled(ticket.tasks[0].id);
    assert.equal(task.error.code, 'HOST_NOT_ALLOWED');
    assert.equal(server.received.length, before, 'the server was called');
  });

  it('stops a runaway transform at its time bound: the task goes to ERROR instead of holding a worker', async () => {
    const ticket = await submit(oneTask('Runaway', { type: 'FORM', input_transform: '($f := function($x){ $f($x + 1) }; $f(0))' }));
    const task = await settled(ticket.tasks[0].id);
    assert.deepEqual([task.status, task.error.code], ['ERROR', 'CALLOUT_FAILED']);
    assert.match(task.error.message, /input transform failed: .*(timeout|stack)/i);
  });

  describe('ASYNC_ACTION', () => {
    const asyncTask = (timeout = 30) => oneTask('Async', { ...action('/async'), type: 'ASYNC_ACTION', timeout_seconds: timeout });
    const callbackOf = async (taskId: number) => {
      const call = await eventually('the async call', async () => server.received.find((r) => r.headers['x-bureau-task'] === String(taskId)));
      return new URL(String(call.headers['x-bureau-callback-url'])).pathname;
    };
    const callback = (path: string, body: unknown) => fetch(`${t.b.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const HOUR = 3_600_000;
    const moveClock = (ms: number) => (t.b.rt.clock.now = () => new Date(Date.now() + ms));
    /** The pipeline task of a task instance's `action_timeout` timer (round 0 = the first, armed at start). */
    const timerTask = (taskId: number, round = 0) =>
      eventually(`timer round ${round} of task ${taskId}`, async () => {
        const { rows } = await t.b.db.query(
          `select id, queue, status, result from task where action = 'action_timeout' and input->>'task_instance_id' = $1 and coalesce((input->>'round')::int, 0) = $2`,
          [String(taskId), round],
        );
        return rows[0];
      });
    /** The BullMQ delayed job of that timer. */
    const timerJob = async (taskId: number, round = 0) => {
      const row = await timerTask(taskId, round);
      const queue = t.b.rt.queues.queue(row.queue);
      return eventually(`the job of timer ${row.id}`, async () => (await queue.getJob(`t-${row.id}`)) ?? undefined);
    };
    const timerDone = (taskId: number, round = 0) =>
      eventually(`timer round ${round} of task ${taskId} ran`, async () => {
        const row = await timerTask(taskId, round);
        return row.status === 'succeeded' ? row.result : undefined;
      }, 20_000);

    it('waits for the single-use callback, stores only its hash, and refuses it a second time (410 GONE)', async () => {
      const ticket = await submit(asyncTask());
      const path = await callbackOf(ticket.tasks[0].id);
      const token = path.split('/').pop()!;
      const { rows } = await t.b.db.query('select token_hash from workflow_callback where task_instance_id = $1', [ticket.tasks[0].id]);
      assert.equal(rows.length, 1);
      assert.notEqual(rows[0].token_hash, token);
      assert.equal((await t.ok('ticketadmin', 'get_workflow_task', { id: ticket.tasks[0].id })).status, 'IN_PROGRESS');

      const first = await callback(path, { id: 'ASYNC-1' });
      assert.equal(first.status, 202);
      const task = await settled(ticket.tasks[0].id);
      assert.equal(task.status, 'COMPLETED');
      assert.deepEqual(task.output, { order_id: 'ASYNC-1' });
      const second = await callback(path, { id: 'ASYNC-2' });
      assert.equal(second.status, 410);
      assert.equal(((await second.json()) as any).error.code, 'GONE');
      assert.equal((await callback('/api/v1/callbacks/not-a-real-token-at-all-1234', {})).status, 404);
      const { rows: leaked } = await t.b.db.query(`select count(*)::int as n from task where input::text like '%' || $1 || '%'`, [token]);
      assert.equal(leaked[0].n, 0, 'the token is in a task payload');
    });

    it('refuses a callback sent as another content type (415) or holding text PostgreSQL cannot store (400), and leaves the token usable', async () => {
      const ticket = await submit(asyncTask());
      const path = await callbackOf(ticket.tasks[0].id);
      const asText = await fetch(`${t.b.url}${path}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ id: 'ASYNC-TEXT' }) });
      assert.equal(asText.status, 415);
      assert.equal(((await asText.json()) as any).error.code, 'UNSUPPORTED_MEDIA_TYPE');
      const withNul = await fetch(`${t.b.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id": "A\\u0000B"}' });
      assert.equal(withNul.status, 400);
      assert.equal(((await withNul.json()) as any).error.code, 'BAD_JSON');
      assert.equal((await callback(path, { id: 'ASYNC-3' })).status, 202);
      const task = await settled(ticket.tasks[0].id);
      assert.equal(task.status, 'COMPLETED');
      assert.deepEqual(task.output, { order_id: 'ASYNC-3' });
    });

    it('times out by a BullMQ delayed job when no callback comes, after which the callback is GONE', async () => {
      const ticket = await submit(asyncTask(1));
      const path = await callbackOf(ticket.tasks[0].id);
      const task = await settled(ticket.tasks[0].id);
      assert.equal(task.status, 'ERROR');
      assert.equal(task.error.code, 'CALLOUT_TIMEOUT');
      assert.equal((await callback(path, { id: 'late' })).status, 410);
    });

    it("reads bureau's clock when the timer fires: with the clock held back, the timer re-arms and the task keeps waiting for its callback", async () => {
      const ticket = await submit(asyncTask(3));
      const id = ticket.tasks[0].id;
      // Once the task has started (its call went out), bureau's clock goes back an hour: the deadline is still ahead when the timer fires.
      const path = await callbackOf(id);
      moveClock(-HOUR);
      const first = await timerDone(id);
      assert.equal(first.timedOut, false);
      assert.equal(first.rearmed.round, 1);
      assert.ok(first.rearmed.delayMs > HOUR - 60_000, 'the new timer waits for the time left by the clock');
      assert.ok(await (await timerJob(id, 1)).isDelayed(), 'the re-armed timer waits as a delayed job');
      assert.equal((await t.ok('ticketadmin', 'get_workflow_task', { id })).status, 'IN_PROGRESS');
      assert.equal((await callback(path, { id: 'in-time' })).status, 202);
      assert.equal((await settled(id)).status, 'COMPLETED');
    });

    it('times out by an injected clock: moved past the deadline, the timer (promoted, not waited for) ends the task in CALLOUT_TIMEOUT', async () => {
      const ticket = await submit(asyncTask(3600));
      const id = ticket.tasks[0].id;
      const path = await callbackOf(id);
      const job = await timerJob(id);
      assert.ok(await job.isDelayed(), 'the timeout waits as a delayed job');
      moveClock(2 * HOUR);
      await job.promote();
      const task = await settled(id);
      assert.deepEqual([task.status, task.error.code], ['ERROR', 'CALLOUT_TIMEOUT']);
      assert.equal((await timerDone(id)).timedOut, true);
      assert.equal((await callback(path, { id: 'late' })).status, 410);
    });

    it('a timer that fires early re-arms itself for the time left, and that timer times the task out once the clock has passed the deadline', async () => {
      const ticket = await submit(asyncTask(3600));
      const id = ticket.tasks[0].id;
      await callbackOf(id);
      await (await timerJob(id)).promote();
      const early = await timerDone(id);
      assert.deepEqual([early.timedOut, early.rearmed.round], [false, 1]);
      assert.equal((await t.ok('ticketadmin', 'get_workflow_task', { id })).status, 'IN_PROGRESS');
      const again = await timerJob(id, 1);
      assert.ok(await again.isDelayed());
      moveClock(2 * HOUR);
      await again.promote();
      const task = await settled(id);
      assert.deepEqual([task.status, task.error.code], ['ERROR', 'CALLOUT_TIMEOUT']);
      assert.equal((await timerDone(id, 1)).timedOut, true);
    });

    it('a callback accepted (202) before the deadline wins over a timer that runs before its outcome is recorded', async () => {
      const ticket = await submit(asyncTask(3600));
      const id = ticket.tasks[0].id;
      const path = await callbackOf(id);
      const job = await timerJob(id);
      await t.b.stopWorkers();
      try {
        // The timer is first in line; the callback is accepted in time, its outcome queued behind the timer.
        await job.promote();
        assert.equal((await callback(path, { id: 'RACE-1' })).status, 202);
        // By the time the workers run, the deadline has passed.
        moveClock(2 * HOUR);
      } finally {
        await t.b.startWorkers();
      }
      const task = await settled(id);
      assert.equal(task.status, 'COMPLETED', JSON.stringify(task.error));
      assert.deepEqual(task.output, { order_id: 'RACE-1' });
      assert.equal((await timerDone(id)).timedOut, false);
    });

    it('the used callback alone keeps the timer off: with the outcome not recorded yet, a timer past the deadline leaves the task waiting', async () => {
      const ticket = await submit(asyncTask(3600));
      const id = ticket.tasks[0].id;
      await callbackOf(id);
      // The state between the callback's 202 and record_action_outcome: the callback is used, the task still IN_PROGRESS.
      await t.b.db.query('update workflow_callback set used_at = now() where task_instance_id = $1', [id]);
      moveClock(2 * HOUR);
      await (await timerJob(id)).promote();
      const result = await timerDone(id);
      assert.equal(result.timedOut, false);
      assert.match(result.reason, /callback was accepted/);
      assert.equal((await t.ok('ticketadmin', 'get_workflow_task', { id })).status, 'IN_PROGRESS');
    });

    it('cancelling the ticket cancels the waiting task and makes its callback GONE', async () => {
      const ticket = await submit(asyncTask());
      const path = await callbackOf(ticket.tasks[0].id);
      await t.ok('ticketadmin', 'cancel_ticket', { id: ticket.id });
      assert.equal((await callback(path, { id: 'x' })).status, 410);
      assert.equal((await t.ok('ticketadmin', 'get_workflow_task', { id: ticket.tasks[0].id })).status, 'CANCELLED');
    });
  });
});
