import assert from 'node:assert/strict';
import { eventually } from './backoffice-setup.js';
import { oneTask, openTickets, type Tickets } from './workflows-setup.js';

const FORM = (key: string, extra: Record<string, unknown> = {}) => ({ key, title: `Task ${key}`, type: 'FORM', output_schema: { type: 'object' }, ...extra });

describe('workflows (seed 003): definitions, tickets, routing, FORM assignment', function () {
  this.timeout(120_000);
  let t: Tickets;
  before(async () => {
    t = await openTickets();
  });
  after(async () => {
    await t?.close();
  });

  const itRequest = async (company: 'initech' | 'umbrella' = 'initech') => {
    const { ticketDefinitions } = await t.ok('user', 'list_ticket_definitions', {}, company);
    return ticketDefinitions.find((d: any) => d.title === 'IT request');
  };
  const taskOf = async (ticketId: number, key: string) => {
    const ticket = await t.ok('ticketadmin', 'get_ticket', { id: ticketId });
    return ticket.tasks.find((x: any) => x.key === key);
  };
  const worker = (id: number) => (id === t.id('worker1') ? 'worker1' : 'worker2');

  describe('definitions', () => {
    it('publishes the "IT request" ticket type in both demo companies, with its workflow', async () => {
      for (const company of ['initech', 'umbrella'] as const) {
        const def = await itRequest(company);
        assert.ok(def, `no IT request in ${company}`);
        const wf = await t.ok('creator', 'get_workflow_definition', { id: def.workflowId }, company);
        assert.deepEqual(wf.tasks.map((x: any) => [x.key, x.taskType, x.start]), [['triage', 'FORM', true], ['approve', 'FORM', false], ['order', 'SYNC_ACTION', false]]);
        assert.deepEqual(wf.transitions.map((x: any) => [x.from, x.to, x.priority]), [['triage', 'approve', 10], ['triage', 'order', 0]]);
      }
    });

    it('refuses a definition naming each bad path: two start tasks, an invalid schema, an unknown task, a bad condition and a bad transform', async () => {
      const err = await t.fails('creator', 'create_workflow_definition', {
        title: 'Broken',
        tasks: [
          FORM('a', { start: true, output_schema: { type: 'nonsense' } }),
          FORM('b', { start: true, input_transform: '{ "x": ' }),
          { key: 'c', title: 'Call', type: 'SYNC_ACTION' },
        ],
        transitions: [
          { from: 'a', to: 'zzz' },
          { from: 'a', to: 'b', condition: { frobnicate: [1, 2] } },
          { from: 'a', to: 'c', condition: { method: ['x', 'constructor'] } },
        ],
      });
      assert.equal(err.code, 'VALIDATION_FAILED');
      const paths = err.details.issues.map((i: any) => i.path);
      for (const p of ['tasks.0.output_schema.type', 'tasks.1.input_transform', 'tasks.2.action_url', 'tasks.2.timeout_seconds', 'tasks', 'transitions.0.to', 'transitions.1.condition', 'transitions.2.condition']) {
        assert.ok(paths.includes(p), `no issue at ${p}: ${JSON.stringify(err.details.issues)}`);
      }
    });

    it('refuses at the door a definition whose shape is wrong (400 naming the field)', async () => {
      const r = await t.b.act(t.token('creator'), 'create_workflow_definition', { title: 'x', tasks: [{ key: 'a', title: 'A', type: 'MAGIC' }] });
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, 'VALIDATION_FAILED');
      assert.ok(r.body.error.details.issues.some((i: any) => i.path === 'tasks.0.type'));
    });

    it('publishes an edit as a new version; a running ticket keeps its version, a new ticket runs the new one', async () => {
      const defId = await t.publish(oneTask('Pinned', { type: 'FORM', output_schema: { type: 'object' } }));
      const def = await t.ok('user', 'get_ticket_definition', { id: defId });
      const first = await t.ok('user', 'submit_ticket', { ticket_definition_id: defId, data: { amount: 1 } });
      const v2 = await t.ok('creator', 'update_workflow_definition', { id: def.workflowId, ...oneTask('Pinned v2', { type: 'FORM', output_schema: { type: 'object', required: ['ok'] } }) });
      assert.equal(v2.version, 2);
      assert.notEqual(v2.id, def.workflowId);
      const second = await t.ok('user', 'submit_ticket', { ticket_definition_id: defId, data: { amount: 2 } });
      assert.equal(first.workflow.version, 1);
      assert.equal(second.workflow.version, 2);
      assert.equal((await t.ok('user', 'get_ticket', { id: first.id })).workflow.version, 1);
      const versions = await t.ok('creator', 'list_workflow_definitions', { all_versions: true });
      assert.deepEqual(versions.workflows.filter((w: any) => w.key === v2.key).map((w: any) => w.version), [1, 2]);
    });
    it('publishes concurrent edits of one definition as consecutive versions (no CONFLICT)', async () => {
      const defId = await t.publish(oneTask('Busy', { type: 'FORM', output_schema: { type: 'object' } }));
      const def = await t.ok('user', 'get_ticket_definition', { id: defId });
      const edits = await Promise.all([1, 2, 3, 4].map((n) => t.ok('creator', 'update_workflow_definition', { id: def.workflowId, ...oneTask(`Busy v${n}`, { type: 'FORM' }) })));
      assert.deepEqual(edits.map((e) => e.version).sort(), [2, 3, 4, 5]);
      const tickets = await Promise.all([1, 2, 3].map((n) => t.ok('creator', 'update_ticket_definition', { id: defId, title: `Busy ticket v${n}`, fields: [{ name: 'amount', type: 'number' }] })));
      assert.deepEqual(tickets.map((e) => e.version).sort(), [2, 3, 4]);
    });

    it('adds and edits single task definitions, each as a new version of the workflow checked as a whole', async () => {
      const wf = await t.ok('creator', 'create_workflow_definition', { title: 'Grow', tasks: [FORM('a', { start: true })] });
      const v2 = await t.ok('creator', 'create_task_definition', { workflow_id: wf.id, task: FORM('b'), transitions: [{ from: 'a', to: 'b' }] });
      assert.deepEqual([v2.version, v2.tasks.map((x: any) => x.key), v2.transitions.map((x: any) => `${x.from}->${x.to}`)], [2, ['a', 'b'], ['a->b']]);
      const b = v2.tasks.find((x: any) => x.key === 'b');
      const v3 = await t.ok('creator', 'update_task_definition', { id: b.id, task: FORM('c', { title: 'Renamed' }) });
      assert.deepEqual([v3.version, v3.tasks.map((x: any) => x.key), v3.transitions.map((x: any) => `${x.from}->${x.to}`)], [3, ['a', 'c'], ['a->c']]);
      const bad = await t.fails('creator', 'update_task_definition', { id: b.id, task: FORM('c', { start: true }) });
      assert.equal(bad.code, 'VALIDATION_FAILED');
      assert.equal((await t.fails('creator', 'create_task_definition', { workflow_id: wf.id, task: FORM('a') })).code, 'CONFLICT');
      const task = await t.ok('creator', 'get_task_definition', { id: b.id });
      assert.equal(task.key, 'b', 'the old version is untouched');
    });
  });

  describe('a ticket through the FORM branch', () => {
    it('runs triage, then (amount above 1000) approval, assigning each FORM task and telling the assignee and the submitter', async () => {
      const def = await itRequest();
      const userFeed = await t.b.feed(t.token('user'));
      const w1 = await t.b.feed(t.token('worker1'));
      const w2 = await t.b.feed(t.token('worker2'));
      try {
        const ticket = await t.ok('user', 'submit_ticket', { ticket_definition_id: def.id, data: { summary: 'A big screen', amount: 900 } });
        assert.equal(ticket.status, 'IN_PROGRESS');
        assert.equal(ticket.workflow.currentTask, 'triage');
        const triage = ticket.tasks[0];
        assert.equal(triage.status, 'OPEN');
        const who = worker(triage.assignedTo);
        await (who === 'worker1' ? w1 : w2).waitFor((m) => m.type === 'notice' && m.notice.type === 'workflow_task.assigned' && m.notice.item.id === triage.id);
        const mine = await t.ok(who, 'list_my_tasks', {});
        assert.ok(mine.tasks.some((x: any) => x.id === triage.id && x.output_schema.required.includes('item')));

        const bad = await t.fails(who, 'complete_workflow_task', { id: triage.id, output: { item: '' } });
        assert.equal(bad.code, 'VALIDATION_FAILED');
        assert.deepEqual(bad.details.issues.map((i: any) => i.path).sort(), ['output.amount', 'output.item']);
        const other = who === 'worker1' ? 'worker2' : 'worker1';
        assert.equal((await t.fails(other, 'complete_workflow_task', { id: triage.id, output: { item: 'Screen', amount: 1500 } })).code, 'TAKEN_BY_OTHER');

        await t.ok(who, 'complete_workflow_task', { id: triage.id, output: { item: 'Screen', amount: 1500 } });
        const approve = await taskOf(ticket.id, 'approve');
        assert.equal(approve.status, 'OPEN');
        const approver = worker(approve.assignedTo);
        await t.ok(approver, 'complete_workflow_task', { id: approve.id, output: { approved: true } });
        const done = await t.ok('user', 'get_ticket', { id: ticket.id });
        assert.equal(done.status, 'COMPLETED');
        assert.deepEqual(done.tasks.map((x: any) => [x.key, x.status]), [['triage', 'COMPLETED'], ['approve', 'COMPLETED']]);
        assert.equal(done.workflow.data.amount, 1500);
        assert.deepEqual(
          done.history.filter((h: any) => h.entity === 'workflow_instance').map((h: any) => h.event),
          ['create', 'start', 'complete'],
        );
        await userFeed.waitFor((m) => m.type === 'notice' && m.notice.type === 'ticket.completed' && m.notice.item.id === ticket.id);
      } finally {
        await Promise.all([userFeed.close(), w1.close(), w2.close()]);
      }
    });

    it('takes the SYNC_ACTION branch at or below 1000, and never calls a host outside the allow-list (ERROR HOST_NOT_ALLOWED)', async () => {
      const def = await itRequest();
      const ticket = await t.ok('user', 'submit_ticket', { ticket_definition_id: def.id, data: { summary: 'A mouse', amount: 20 } });
      await t.ok(worker(ticket.tasks[0].assignedTo), 'complete_workflow_task', { id: ticket.tasks[0].id, output: { item: 'Mouse', amount: 20 } });
      const order = await eventually('the order task in ERROR', async () => {
        const x = await taskOf(ticket.id, 'order');
        return x?.status === 'ERROR' ? x : undefined;
      });
      assert.equal(order.error.code, 'HOST_NOT_ALLOWED');
      const { tasks } = await t.ok('ticketadmin', 'list_workflow_tasks', { status: ['ERROR'] });
      assert.ok(tasks.some((x: any) => x.id === order.id));
    });
  });

  describe('routing', () => {
    const routed = {
      title: 'Routed',
      tasks: [FORM('start', { start: true }), FORM('high'), FORM('low'), FORM('tie_a'), FORM('tie_b')],
      transitions: [
        { from: 'start', to: 'low', condition: { '>': [{ var: 'amount' }, 0] }, priority: 1 },
        { from: 'start', to: 'high', condition: { '>': [{ var: 'amount' }, 100] }, priority: 5 },
        { from: 'start', to: 'tie_a', condition: { '<': [{ var: 'amount' }, 0] }, priority: 3 },
        { from: 'start', to: 'tie_b', condition: { '<': [{ var: 'amount' }, 0] }, priority: 3 },
      ],
    };
    let defId: number;
    before(async () => {
      defId = await t.publish(routed);
    });
    const runTo = async (amount: number) => {
      const ticket = await t.ok('user', 'submit_ticket', { ticket_definition_id: defId, data: { amount } });
      const first = ticket.tasks[0];
      await t.ok(worker(first.assignedTo), 'complete_workflow_task', { id: first.id, output: {} });
      return t.ok('user', 'get_ticket', { id: ticket.id });
    };

    it('follows the highest-priority transition whose condition holds', async () => {
      assert.equal((await runTo(500)).workflow.currentTask, 'high');
      assert.equal((await runTo(50)).workflow.currentTask, 'low');
    });

    it('breaks a priority tie by the lowest transition id', async () => {
      assert.equal((await runTo(-5)).workflow.currentTask, 'tie_a');
    });

    it('puts the workflow ON_HOLD with an event saying why when no condition holds, and a ticket admin resumes it after editing the data', async () => {
      const held = await runTo(0);
      assert.equal(held.status, 'ON_HOLD');
      assert.match(held.workflow.holdReason, /No condition of the 4 transition/);
      const hold = held.history.find((h: any) => h.event === 'hold');
      assert.equal(hold.to, 'ON_HOLD');
      assert.match(hold.reason, /from start/);
      assert.equal((await t.fails('ticketadmin', 'cancel_ticket', { id: held.id + 100000 })).code, 'NOT_FOUND');
      const resumed = await t.ok('ticketadmin', 'resume_workflow', { ticket_id: held.id, data: { amount: 101 } });
      assert.equal(resumed.status, 'IN_PROGRESS');
      assert.equal(resumed.workflow.currentTask, 'high');
      assert.equal((await t.fails('ticketadmin', 'resume_workflow', { ticket_id: held.id })).code, 'INVALID_TRANSITION');
    });

    it('completes the workflow when the finished task has no outgoing transition', async () => {
      const t1 = await runTo(500);
      const high = t1.tasks.find((x: any) => x.key === 'high');
      await t.ok(worker(high.assignedTo), 'complete_workflow_task', { id: high.id, output: {} });
      assert.equal((await t.ok('user', 'get_ticket', { id: t1.id })).status, 'COMPLETED');
    });

    it('cancels a ticket with its open tasks; the worker can no longer complete them', async () => {
      const ticket = await t.ok('user', 'submit_ticket', { ticket_definition_id: defId, data: { amount: 1 } });
      const first = ticket.tasks[0];
      const cancelled = await t.ok('ticketadmin', 'cancel_ticket', { id: ticket.id, reason: 'duplicate' });
      assert.equal(cancelled.status, 'CANCELLED');
      assert.equal(cancelled.tasks[0].status, 'CANCELLED');
      assert.equal((await t.fails(worker(first.assignedTo), 'complete_workflow_task', { id: first.id, output: {} })).code, 'INVALID_TRANSITION');
      assert.equal((await t.fails('ticketadmin', 'cancel_ticket', { id: ticket.id })).code, 'INVALID_TRANSITION');
    });
  });

  describe('assignment (umbrella, untouched by the other tests)', () => {
    it('spreads concurrent submissions so no available worker gets two while another has none, and waits for availability', async () => {
      const defId = await t.publish(oneTask('Spread', { type: 'FORM', output_schema: { type: 'object' } }), undefined, 'umbrella');
      const submitted = await Promise.all(Array.from({ length: 6 }, (_, i) => t.ok('user', 'submit_ticket', { ticket_definition_id: defId, data: { amount: i } }, 'umbrella')));
      const counts = new Map<number, number>();
      for (const s of submitted) counts.set(s.tasks[0].assignedTo, (counts.get(s.tasks[0].assignedTo) ?? 0) + 1);
      assert.deepEqual([...counts.values()], [3, 3]);

      await t.ok('worker1', 'set_availability', { available: false }, 'umbrella');
      await t.ok('worker2', 'set_availability', { available: false }, 'umbrella');
      const waiting = await t.ok('user', 'submit_ticket', { ticket_definition_id: defId, data: { amount: 9 } }, 'umbrella');
      assert.equal(waiting.tasks[0].status, 'PENDING');
      assert.equal(waiting.tasks[0].assignedTo, null);
      const back = await t.ok('worker2', 'set_availability', { available: true }, 'umbrella');
      assert.equal(back.assigned, 1);
      const task = await t.ok('worker2', 'get_workflow_task', { id: waiting.tasks[0].id }, 'umbrella');
      assert.equal(task.status, 'OPEN');
      assert.equal(task.assignedTo, t.id('worker2', 'umbrella'));

      const moved = await t.ok('ticketadmin', 'reassign_workflow_task', { id: task.id, user_id: t.id('worker1', 'umbrella') }, 'umbrella');
      assert.equal(moved.assignedTo, t.id('worker1', 'umbrella'));
      const auto = await t.ok('ticketadmin', 'reassign_workflow_task', { id: task.id }, 'umbrella');
      assert.equal(auto.assignedTo, t.id('worker2', 'umbrella'), 'the only other available worker');
      await t.ok('worker1', 'set_availability', { available: true }, 'umbrella');
      await t.ok('worker2', 'set_availability', { available: false }, 'umbrella');
      await t.ok('worker1', 'set_availability', { available: false }, 'umbrella');
      assert.equal((await t.fails('ticketadmin', 'reassign_workflow_task', { id: task.id }, 'umbrella')).code, 'NOTHING_AVAILABLE');
    });
  });

  describe('company roles and isolation', () => {
    it('hides a ticket type limited to a company role from users without it, until the admin grants it', async () => {
      const wf = await t.ok('creator', 'create_workflow_definition', oneTask('Finance only', { type: 'FORM' }));
      const def = await t.ok('creator', 'create_ticket_definition', { title: 'Expense', workflow_id: wf.id, fields: [{ name: 'amount', type: 'number' }], company_role_access: ['finance'] });
      assert.ok(!(await t.ok('user', 'list_ticket_definitions', {})).ticketDefinitions.some((d: any) => d.id === def.id));
      assert.equal((await t.fails('user', 'submit_ticket', { ticket_definition_id: def.id, data: { amount: 1 } })).code, 'NOT_FOUND');
      await t.ok('admin', 'grant_company_role', { email: 'user@initech.test', role: 'finance' });
      assert.ok((await t.ok('user', 'list_ticket_definitions', {})).ticketDefinitions.some((d: any) => d.id === def.id));
      await t.ok('user', 'submit_ticket', { ticket_definition_id: def.id, data: { amount: 1 } });
    });

    it("answers NOT_FOUND for another company's ticket, task and definition", async () => {
      const def = await itRequest('initech');
      const ticket = await t.ok('user', 'submit_ticket', { ticket_definition_id: def.id, data: { summary: 'x', amount: 1 } });
      assert.equal((await t.fails('user', 'get_ticket', { id: ticket.id }, 'umbrella')).code, 'NOT_FOUND');
      assert.equal((await t.fails('ticketadmin', 'get_workflow_task', { id: ticket.tasks[0].id }, 'umbrella')).code, 'NOT_FOUND');
      assert.equal((await t.fails('user', 'submit_ticket', { ticket_definition_id: def.id, data: { summary: 'x', amount: 1 } }, 'umbrella')).code, 'NOT_FOUND');
      assert.equal((await t.fails('worker1', 'get_workflow_task', { id: ticket.tasks[0].id }, 'umbrella')).code, 'NOT_FOUND');
    });

    it('refuses ticket data that does not match the type\'s fields, naming the field', async () => {
      const def = await itRequest();
      const err = await t.fails('user', 'submit_ticket', { ticket_definition_id: def.id, data: { summary: 'x', amount: 'lots', extra: 1 } });
      assert.equal(err.code, 'VALIDATION_FAILED');
      assert.ok(err.details.issues.some((i: any) => i.path === 'data.amount'));
    });
  });
});
