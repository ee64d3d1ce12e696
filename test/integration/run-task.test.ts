import assert from 'node:assert/strict';
import pg from 'pg';
import { EntityManager } from '@mikro-orm/core';
import { z } from 'zod';
import { defineAction, type ActionDefinition } from '../../src/core/define-action.js';
import type { ActionContext } from '../../src/core/context.js';
import { AppError } from '../../src/core/errors.js';
import { Registry } from '../../src/core/registry.js';
import { domains } from '../../src/domains.js';
import { Customer } from '../../src/domains/backoffice/entities.js';
import { UnrecoverableError, type TaskCopy } from '../../src/infra/queue.js';
import { runAlone, runTask, runTaskBatch, type TaskJob, type WorkerDeps } from '../../src/pipeline/run-task.js';
import { TaskBatches } from '../../src/pipeline/task-batch.js';
import { startTestBureau, type TestBureau } from '../helpers/bureau.js';

/** An action whose handler writes a customer through the unit of work and leaves the flush to the worker. */
const unflushed = defineAction({
  name: 'unflushed_write',
  summary: 'test action that creates an entity without flushing',
  roles: ['admin'],
  worker: 'admin',
  access: { ids: {}, owner: 'tenant' },
  input: z.strictObject({ label: z.string() }),
  example: { label: 'x' },
  async handler(input, ctx) {
    ctx.em.create(Customer, { tenantId: ctx.tenantId, name: input.label });
    return { ok: true };
  },
});

/** An action whose handler writes a customer, then fails with `code` the first `failures` times. */
function flaky(name: string, code: 'UNAVAILABLE' | 'NOT_FOUND', failures: number) {
  let calls = 0;
  return defineAction({
    name,
    summary: 'test action that fails on purpose',
    roles: ['admin'],
    worker: 'admin',
    access: { ids: {}, owner: 'tenant' },
    input: z.strictObject({ label: z.string() }),
    example: { label: 'x' },
    async handler(input, ctx) {
      ctx.em.create(Customer, { tenantId: ctx.tenantId, name: `${input.label} #${++calls}` });
      await ctx.em.flush();
      if (calls <= failures) throw new AppError(code, `failure ${calls}`);
      return { calls };
    },
  });
}

/** A batchable test action of the admin queue, taking `{ name }`. */
function batchable(name: string, summary: string, handler: (input: { name: string }, ctx: ActionContext) => Promise<unknown>) {
  return defineAction({ name, summary, roles: ['admin'], worker: 'admin', batch: true, access: { ids: {}, owner: 'tenant' }, input: z.strictObject({ name: z.string() }), example: { name: 'x' }, handler });
}

/** A batchable action whose handler writes a customer, then refuses when its label says so. */
const batchedRefusal = batchable('batched_refusal', 'test action that shares transactions and refuses some inputs', async (input, ctx) => {
  await ctx.sql('insert into customer (tenant_id, name) values (?, ?)', [ctx.tenantId, input.name]);
  if (input.name.startsWith('refuse')) throw new AppError('NOT_FOUND', `refused ${input.name}`);
  return { name: input.name };
});

/**
 * A batchable action whose handler sends a statement PostgreSQL refuses ("null ..."), a text of two statements
 * ("two ..."), a statement it does not wait for ("unawaited ..."), or a plain insert.
 */
const batchedSql = batchable('batched_sql', 'test action that shares transactions and sends odd SQL for some inputs', async (input, ctx) => {
  if (input.name.startsWith('null')) await ctx.sql('insert into customer (tenant_id, name) values (?, null)', [ctx.tenantId]);
  else if (input.name.startsWith('two')) await ctx.sql('insert into customer (tenant_id, name) values (?, ?); select 1', [ctx.tenantId, input.name]);
  else if (input.name.startsWith('unawaited')) void ctx.sql('insert into customer (tenant_id, name) values (?, ?)', [ctx.tenantId, input.name]);
  else await ctx.sql('insert into customer (tenant_id, name) values (?, ?);', [ctx.tenantId, input.name]);
  return { name: input.name };
});

/** Messages sent to PostgreSQL while `fn` runs whose text `counts` (a simple query's whole text, or a prepared one's). */
async function messagesWhile(counts: (text: string) => boolean, fn: () => Promise<unknown>): Promise<number> {
  const original = pg.Client.prototype.query;
  let n = 0;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const first = args[0] as string | { text?: string } | undefined;
    if (counts(typeof first === 'string' ? first : (first?.text ?? ''))) n++;
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    await fn();
  } finally {
    pg.Client.prototype.query = original;
  }
  return n;
}

describe('runTask (the worker side of the pipeline)', () => {
  let b: TestBureau;
  let deps: WorkerDeps;
  before(async () => {
    b = await startTestBureau({ workers: [] });
    // The web's rebalance pass of held tasks (fairness) borrows a pooled connection and flushes an entity manager now
    // and then; these tests count flushes and pick a pooled connection, and hold nothing.
    await b.rt.held.stop();
    const registry = new Registry([...domains.registry.list(), flaky('flaky_infra', 'UNAVAILABLE', 2), flaky('flaky_rule', 'NOT_FOUND', 5), flaky('flaky_spent', 'UNAVAILABLE', 9), flaky('flaky_copied', 'UNAVAILABLE', 2), flaky('queued_rule', 'NOT_FOUND', 5), flaky('queued_infra', 'UNAVAILABLE', 2), unflushed, batchedRefusal, batchedSql] as ActionDefinition[], (role) => domains.queueOfRole(role), domains.systemKind);
    deps = { orm: b.rt.orm, config: b.config, log: b.rt.log, registry, bus: b.rt.bus, feed: b.rt.feed, outbox: b.rt.outbox, now: () => new Date() };
  });
  after(() => b.close());

  async function insertTask(action: string, label: string, queue = 'admin'): Promise<number> {
    const { rows } = await b.db.query(
      `insert into task (tenant_id, actor_id, action, queue, input, status) values (1, (select id from app_user where email = 'admin@acme.test'), $1, $3, $2, 'queued') returning id`,
      [action, JSON.stringify({ label }), queue],
    );
    return rows[0].id;
  }
  const task = async (id: number) => (await b.db.query('select status, attempts, result, error from task where id = $1', [id])).rows[0];
  const customers = async (label: string) => (await b.db.query(`select name from customer where name like $1 order by id`, [`${label} #%`])).rows.map((r: { name: string }) => r.name);

  it('rethrows a retryable failure so BullMQ retries it, rolling back the attempt\'s writes, then succeeds once', async () => {
    const id = await insertTask('flaky_infra', 'infra');
    await assert.rejects(runTask(deps, { data: { taskId: id }, attemptsMade: 0, opts: { attempts: 5 } }), /failure 1/);
    await assert.rejects(runTask(deps, { data: { taskId: id }, attemptsMade: 1, opts: { attempts: 5 } }), /failure 2/);
    assert.equal((await task(id)).status, 'running');
    await runTask(deps, { data: { taskId: id }, attemptsMade: 2, opts: { attempts: 5 } });
    const t = await task(id);
    assert.equal(t.status, 'succeeded');
    assert.equal(t.attempts, 3);
    assert.deepEqual(await customers('infra'), ['infra #3']);
  });

  /** How a job that failed for good rejects: BullMQ's UnrecoverableError, its reason the code and message. */
  const failedForGood = (reason: RegExp) => (err: unknown) => err instanceof UnrecoverableError && reason.test(err.message);

  it('fails a task at once on a non-retryable error, with a structured error and no effect, and ends its job for good', async () => {
    const id = await insertTask('flaky_rule', 'rule');
    await assert.rejects(runTask(deps, { data: { taskId: id }, attemptsMade: 0, opts: { attempts: 5 } }), failedForGood(/^NOT_FOUND: failure 1$/));
    const t = await task(id);
    assert.equal(t.status, 'failed');
    assert.equal(t.attempts, 1);
    assert.deepEqual(t.error, { code: 'NOT_FOUND', message: 'failure 1' });
    assert.deepEqual(await customers('rule'), []);
  });

  it('records the failure when the last attempt of a retryable error is spent, and ends its job for good', async () => {
    const id = await insertTask('flaky_spent', 'spent');
    await assert.rejects(runTask(deps, { data: { taskId: id }, attemptsMade: 0, opts: { attempts: 1 } }), failedForGood(/^UNAVAILABLE: failure 1$/));
    const t = await task(id);
    assert.equal(t.status, 'failed');
    assert.equal(t.error.code, 'UNAVAILABLE');
  });

  it('pushes the failure to the owner\'s feed in the same statement that stores it', async () => {
    const id = await insertTask('flaky_rule', 'pushed');
    await assert.rejects(runTask(deps, { data: { taskId: id }, attemptsMade: 0, opts: { attempts: 5 } }), UnrecoverableError);
    const { rows } = await b.db.query(`select body from feed_entry where task_id = $1 and body->>'type' = 'result'`, [id]);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].body.task.status, 'failed');
    assert.equal(rows[0].body.task.error.code, 'NOT_FOUND');
  });

  it('does nothing for a job delivered again after its task finished', async () => {
    const id = await insertTask('create_customer', 'unused');
    await b.db.query(`update task set input = '{"name": "Delivered twice"}' where id = $1`, [id]);
    await runTask(deps, { data: { taskId: id }, attemptsMade: 0, opts: { attempts: 5 } });
    await runTask(deps, { data: { taskId: id }, attemptsMade: 0, opts: { attempts: 5 } });
    await Promise.all([runTask(deps, { data: { taskId: id }, attemptsMade: 0, opts: { attempts: 5 } }), runTask(deps, { data: { taskId: id }, attemptsMade: 0, opts: { attempts: 5 } })]);
    assert.equal((await task(id)).attempts, 1);
    assert.equal((await b.db.query(`select count(*)::int as n from customer where name = 'Delivered twice'`)).rows[0].n, 1);
  });

  it('applies the effect once when two deliveries of the same job run at the same time', async () => {
    const id = await insertTask('create_customer', 'unused');
    await b.db.query(`update task set input = '{"name": "Raced"}' where id = $1`, [id]);
    await Promise.all(Array.from({ length: 4 }, () => runTask(deps, { data: { taskId: id }, attemptsMade: 0, opts: { attempts: 5 } })));
    assert.equal((await task(id)).status, 'succeeded');
    assert.equal((await b.db.query(`select count(*)::int as n from customer where name = 'Raced'`)).rows[0].n, 1);
  });

  it('flushes what a handler left in its unit of work, in the task\'s transaction', async () => {
    const id = await insertTask('unflushed_write', 'Left unflushed');
    await runTask(deps, { data: { taskId: id }, attemptsMade: 0, opts: { attempts: 5 } });
    assert.equal((await task(id)).status, 'succeeded');
    assert.equal((await b.db.query(`select count(*)::int as n from customer where name = 'Left unflushed'`)).rows[0].n, 1);
  });

  it('does not flush for a handler that never reads ctx.em (create_customer writes with SQL)', async () => {
    const id = await insertTask('create_customer', 'unused');
    await b.db.query(`update task set input = '{"name": "Not flushed"}' where id = $1`, [id]);
    const flush = EntityManager.prototype.flush;
    let flushes = 0;
    // Only the worker's flushes count: the web process's background loops (the outbox's, the held tasks') flush their own.
    EntityManager.prototype.flush = function (this: EntityManager) {
      if (new Error().stack?.includes('run-task.ts')) flushes++;
      return flush.call(this);
    };
    try {
      await runTask(deps, { data: { taskId: id }, attemptsMade: 0, opts: { attempts: 5 } });
    } finally {
      EntityManager.prototype.flush = flush;
    }
    assert.equal(flushes, 0);
    assert.equal((await task(id)).status, 'succeeded');
    assert.equal((await b.db.query(`select count(*)::int as n from customer where name = 'Not flushed'`)).rows[0].n, 1);
  });

  it('fails a task whose stored input no longer matches the schema, without running it', async () => {
    const id = await insertTask('create_customer', 'unused');
    await b.db.query(`update task set input = '{"nom": "x"}' where id = $1`, [id]);
    await assert.rejects(runTask(deps, { data: { taskId: id }, attemptsMade: 0, opts: { attempts: 5 } }), failedForGood(/^VALIDATION_FAILED: /));
    const t = await task(id);
    assert.equal(t.status, 'failed');
    assert.equal(t.error.code, 'VALIDATION_FAILED');
  });

  it('runs a task the same way with PG_SQL_PREPARE off, its statements inlined', async () => {
    const id = await insertTask('create_customer', 'unused');
    await b.db.query(`update task set input = '{"name": "Inlined"}' where id = $1`, [id]);
    await runTask({ ...deps, config: { ...b.config, sqlPrepare: false } }, { data: { taskId: id }, attemptsMade: 0, opts: { attempts: 5 } });
    const t = await task(id);
    assert.equal(t.status, 'succeeded');
    assert.equal(t.attempts, 1);
    assert.equal((await b.db.query(`select count(*)::int as n from customer where name = 'Inlined'`)).rows[0].n, 1);
  });

  it('answers a session that lost its prepared statements with a retryable error, then prepares them again', async () => {
    const warm = await insertTask('create_customer', 'unused');
    await b.db.query(`update task set input = '{"name": "Warm"}' where id = $1`, [warm]);
    await runTask(deps, { data: { taskId: warm }, attemptsMade: 0, opts: { attempts: 5 } });
    // The pool lends its most recently used connection first: drop the statement on that one.
    const client = b.rt.orm.em.getConnection().getKnex().client as unknown as { acquireConnection(): Promise<{ query(q: string): Promise<unknown> }>; releaseConnection(c: unknown): Promise<void> };
    const connection = await client.acquireConnection();
    await connection.query('DEALLOCATE bureau_task_start');
    await client.releaseConnection(connection);

    const id = await insertTask('create_customer', 'unused');
    await b.db.query(`update task set input = '{"name": "Prepared again"}' where id = $1`, [id]);
    await assert.rejects(runTask(deps, { data: { taskId: id }, attemptsMade: 0, opts: { attempts: 5 } }), (err: unknown) => err instanceof AppError && err.code === 'UNAVAILABLE' && err.retryable);
    assert.equal((await task(id)).status, 'queued');
    await runTask(deps, { data: { taskId: id }, attemptsMade: 1, opts: { attempts: 5 } });
    assert.equal((await task(id)).status, 'succeeded');
    assert.equal((await b.db.query(`select count(*)::int as n from customer where name = 'Prepared again'`)).rows[0].n, 1);
  });

  it('leaves the pool\'s client without listeners of its own per connection, however many connections run tasks', async () => {
    const client = b.rt.orm.em.getConnection().getKnex().client as unknown as { listenerCount(event: string): number };
    const before = client.listenerCount('query');
    const ids = await Promise.all(Array.from({ length: 12 }, async (_, i) => {
      const id = await insertTask('create_customer', 'unused');
      await b.db.query(`update task set input = $2 where id = $1`, [id, JSON.stringify({ name: `Listener ${i}` })]);
      return id;
    }));
    await Promise.all(ids.map((id) => runTask(deps, { data: { taskId: id }, attemptsMade: 0, opts: { attempts: 5 } })));
    assert.equal((await b.db.query(`select count(*)::int as n from customer where name like 'Listener %'`)).rows[0].n, 12);
    assert.equal(client.listenerCount('query'), before);
  });

  it('completes a job that names no task without running anything or retrying', async () => {
    const before = (await b.db.query('select count(*)::int as n from task where status <> \'queued\'')).rows[0].n;
    for (const taskId of [0, -1, 1.5, Number.NaN, 'x' as unknown as number, undefined as unknown as number]) {
      await runTask(deps, { data: { taskId }, attemptsMade: 0, opts: { attempts: 5 } });
    }
    assert.equal((await b.db.query('select count(*)::int as n from task where status <> \'queued\'')).rows[0].n, before);
  });

  describe('through BullMQ (the job options the door dispatches with)', () => {
    // A queue of its own, run by a worker of this test on `runTask` with the flaky actions.
    const QUEUE = 'runtask_flaky';
    before(() => void b.rt.queues.worker(QUEUE, (job) => runTask(deps, job), 2));

    async function settled(taskId: number) {
      const queue = b.rt.queues.queue(QUEUE);
      for (let i = 0; i < 200; i++) {
        const state = await queue.getJobState(`t-${taskId}`);
        if (state === 'completed' || state === 'failed') return (await queue.getJob(`t-${taskId}`))!;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`job t-${taskId} did not settle`);
    }

    it('puts a task refused by a rule in the failed set with its reason after one attempt, and does not retry it', async () => {
      const id = await insertTask('queued_rule', 'queued rule', QUEUE);
      await b.rt.queues.dispatch([{ taskId: id, queue: QUEUE, runAt: null }]);
      const job = await settled(id);
      assert.equal(await job.getState(), 'failed');
      assert.equal(job.failedReason, 'NOT_FOUND: failure 1');
      assert.equal(job.attemptsMade, 1);
      assert.ok((job.opts.attempts ?? 1) > 1, 'the job had attempts left');
      const t = await task(id);
      assert.equal(t.status, 'failed');
      assert.equal(t.attempts, 1);
      assert.deepEqual(await customers('queued rule'), []);
    });

    it('retries a retryable failure with the job\'s backoff until it succeeds', async () => {
      const id = await insertTask('queued_infra', 'queued infra', QUEUE);
      await b.rt.queues.dispatch([{ taskId: id, queue: QUEUE, runAt: null }]);
      const job = await settled(id);
      assert.equal(await job.getState(), 'completed');
      assert.equal(job.attemptsMade, 3);
      const t = await task(id);
      assert.equal(t.status, 'succeeded');
      assert.equal(t.attempts, 3);
      assert.deepEqual(await customers('queued infra'), ['queued infra #3']);
    });
  });

  describe('a job carrying a copy of its task (as the door dispatches them)', () => {
    let admin: NonNullable<TaskCopy['actor']>;
    before(async () => {
      const { rows } = await b.db.query(`select id, tenant_id, role, level, email, status from app_user where email = 'admin@acme.test'`);
      admin = rows[0];
    });
    const copyOf = (action: string, input: unknown): TaskCopy => ({ tenant_id: admin.tenant_id, actor_id: admin.id, action, input, actor: { ...admin } });
    async function insertWith(action: string, input: unknown): Promise<number> {
      const id = await insertTask(action, 'unused');
      await b.db.query(`update task set input = $2 where id = $1`, [id, JSON.stringify(input)]);
      return id;
    }
    const named = async (name: string) => (await b.db.query(`select count(*)::int as n from customer where name = $1`, [name])).rows[0].n as number;
    /**
     * Messages (each one round trip) sent to PostgreSQL while `fn` runs that carry the task's own work: its
     * transaction's statements and the handler's insert. The runtime's background loops (outbox relay and
     * cleanup) and the once-per-connection PREPAREs are not counted.
     */
    const roundTrips = (fn: () => Promise<void>) => messagesWhile((text) => !/^PREPARE /.test(text) && /bureau_task_start|bureau_finish|feed_pending_seq|into "?customer"?[ (]/.test(text), fn);

    it('runs the handler in two round trips instead of three, committing the same result', async () => {
      const warm = await insertWith('create_customer', { name: 'Copy warm' });
      await runTask(deps, { data: { taskId: warm, copy: copyOf('create_customer', { name: 'Copy warm' }) }, attemptsMade: 0, opts: { attempts: 5 } });
      const plain = await insertWith('create_customer', { name: 'Copy plain' });
      const fromRow = await roundTrips(() => runTask(deps, { data: { taskId: plain }, attemptsMade: 0, opts: { attempts: 5 } }));
      const id = await insertWith('create_customer', { name: 'Copy quick' });
      const fromCopy = await roundTrips(() => runTask(deps, { data: { taskId: id, copy: copyOf('create_customer', { name: 'Copy quick' }) }, attemptsMade: 0, opts: { attempts: 5 } }));
      assert.equal(fromRow, 3);
      assert.equal(fromCopy, 2);
      const t = await task(id);
      assert.equal(t.status, 'succeeded');
      assert.equal(t.attempts, 1);
      assert.equal(t.result.name, 'Copy quick');
      assert.equal(await named('Copy quick'), 1);
    });

    it('runs from the copy the same way with PG_SQL_PREPARE off, the lock-and-read inlined', async () => {
      const id = await insertWith('create_customer', { name: 'Copy inlined' });
      const job = { data: { taskId: id, copy: copyOf('create_customer', { name: 'Copy inlined' }) }, attemptsMade: 0, opts: { attempts: 5 } };
      const sent = await roundTrips(() => runTask({ ...deps, config: { ...b.config, sqlPrepare: false } }, job));
      assert.equal(sent, 2);
      assert.equal((await task(id)).status, 'succeeded');
      assert.equal(await named('Copy inlined'), 1);
    });

    it('commits nothing from a copy that differs from the row, and runs the task from the row', async () => {
      const id = await insertWith('create_customer', { name: 'Stored name' });
      await runTask(deps, { data: { taskId: id, copy: copyOf('create_customer', { name: 'Forged name' }) }, attemptsMade: 0, opts: { attempts: 5 } });
      assert.equal((await task(id)).result.name, 'Stored name');
      assert.equal(await named('Stored name'), 1);
      assert.equal(await named('Forged name'), 0);
    });

    it('does nothing for a copy whose task already finished, alone or delivered four times at once', async () => {
      const id = await insertWith('create_customer', { name: 'Copy once' });
      const job = { data: { taskId: id, copy: copyOf('create_customer', { name: 'Copy once' }) }, attemptsMade: 0, opts: { attempts: 5 } };
      await Promise.all(Array.from({ length: 4 }, () => runTask(deps, job)));
      await runTask(deps, job);
      assert.equal(await named('Copy once'), 1);
      assert.equal((await task(id)).attempts, 1);
    });

    it('fails the task when its submitter was deactivated after the door checked them', async () => {
      const { rows } = await b.db.query(
        `insert into app_user (tenant_id, email, role, level, status, password_hash) select tenant_id, 'copy-leaver@acme.test', role, level, 'active', password_hash from app_user where email = 'admin@acme.test' returning id, tenant_id, role, level, email, status`,
      );
      const leaver = rows[0];
      const { rows: t } = await b.db.query(`insert into task (tenant_id, actor_id, action, queue, input, status) values ($1, $2, 'create_customer', 'admin', '{"name": "Left behind"}', 'queued') returning id`, [leaver.tenant_id, leaver.id]);
      await b.db.query(`update app_user set status = 'disabled' where id = $1`, [leaver.id]);
      const copy: TaskCopy = { tenant_id: leaver.tenant_id, actor_id: leaver.id, action: 'create_customer', input: { name: 'Left behind' }, actor: { ...leaver } };
      await assert.rejects(runTask(deps, { data: { taskId: t[0].id, copy }, attemptsMade: 0, opts: { attempts: 5 } }), UnrecoverableError);
      const done = await task(t[0].id);
      assert.equal(done.status, 'failed');
      assert.equal(done.error.code, 'FORBIDDEN');
      assert.equal(await named('Left behind'), 0);
    });

    it('runs a failing handler once per attempt, retrying and counting attempts as from the row', async () => {
      const id = await insertTask('flaky_copied', 'copied');
      const job = (attemptsMade: number) => ({ data: { taskId: id, copy: copyOf('flaky_copied', { label: 'copied' }) }, attemptsMade, opts: { attempts: 5 } });
      await assert.rejects(runTask(deps, job(0)), /failure 1/);
      await assert.rejects(runTask(deps, job(1)), /failure 2/);
      await runTask(deps, job(2));
      const t = await task(id);
      assert.equal(t.status, 'succeeded');
      assert.deepEqual(t.result, { calls: 3 });
      assert.equal(t.attempts, 3);
      assert.deepEqual(await customers('copied'), ['copied #3']);
    });
  });
  describe('tasks of a batchable action that start together (WORKER_BATCH)', () => {
    let admin: NonNullable<TaskCopy['actor']>;
    let batched: WorkerDeps;
    before(async () => {
      const { rows } = await b.db.query(`select id, tenant_id, role, level, email, status from app_user where email = 'admin@acme.test'`);
      admin = rows[0];
      batched = { ...deps };
      batched.batches = new TaskBatches<TaskJob>(16, (jobs) => runTaskBatch(batched, jobs), (job) => runAlone(batched, job));
    });
    async function submitted(action: string, name: string, copied = name): Promise<{ id: number; job: TaskJob }> {
      const { rows } = await b.db.query(`insert into task (tenant_id, actor_id, action, queue, input, status) values ($1, $2, $3, 'admin', $4, 'queued') returning id`, [admin.tenant_id, admin.id, action, JSON.stringify({ name })]);
      const id = Number(rows[0].id);
      return { id, job: { data: { taskId: id, copy: { tenant_id: admin.tenant_id, actor_id: admin.id, action, input: { name: copied }, actor: { ...admin } } }, attemptsMade: 0, opts: { attempts: 5 } } };
    }
    const named = async (name: string) => (await b.db.query(`select count(*)::int as n from customer where name = $1`, [name])).rows[0].n as number;
    const results = async (ids: number[]) =>
      (await b.db.query(`select t.id, t.status, t.attempts, t.result, (select count(*)::int from feed_entry f where f.task_id = t.id and f.seq > 0) as entries from task t where t.id = any($1) order by t.id`, [ids])).rows;
    /** The transaction that last wrote each task row (its xmin), in the order of `ids`. */
    const writers = async (ids: number[]) => (await b.db.query(`select id, xmin::text as x from task where id = any($1)`, [ids])).rows.sort((a, c) => ids.indexOf(Number(a.id)) - ids.indexOf(Number(c.id))).map((r: { x: string }) => r.x);
    /** COMMITs sent while `fn` runs (the runtime's own background statements are not COMMITs). */
    const commits = (fn: () => Promise<unknown>) => messagesWhile((text) => /(^|; )COMMIT$/.test(text), fn);

    it('commits every task that starts in the same turn in one transaction, each with its own result and numbered feed entry', async () => {
      const tasks = await Promise.all(Array.from({ length: 6 }, (_, k) => submitted('create_customer', `Batched ${k}`)));
      const n = await commits(() => Promise.all(tasks.map((t) => runTask(batched, t.job))));
      assert.equal(n, 1);
      assert.equal(new Set(await writers(tasks.map((x) => x.id))).size, 1);
      const rows = await results(tasks.map((x) => x.id));
      assert.equal(rows.length, 6);
      for (const t of rows) {
        const k = tasks.findIndex((x) => x.id === Number(t.id));
        assert.equal(t.status, 'succeeded');
        assert.equal(t.attempts, 1);
        assert.equal(t.result.name, `Batched ${k}`);
        assert.equal(t.entries, 1);
        assert.equal(await named(`Batched ${k}`), 1);
        // The feed entry is the one a task alone gets: its result message, with when it finished.
        const { rows: entry } = await b.db.query(`select body from feed_entry where task_id = $1 and seq > 0`, [t.id]);
        assert.deepEqual({ ...entry[0].body.task, finishedAt: undefined }, { id: Number(t.id), action: 'create_customer', status: 'succeeded', result: t.result, finishedAt: undefined });
        assert.match(entry[0].body.task.finishedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        assert.equal(entry[0].body.type, 'result');
      }
    });

    it("sends the handlers' statements of a batch in one message: six tasks in three round trips", async () => {
      const tasks = await Promise.all(Array.from({ length: 6 }, (_, k) => submitted('create_customer', `Piped ${k}`)));
      const inserts = await messagesWhile((text) => /into customer/.test(text), () => Promise.all(tasks.map((t) => runTask(batched, t.job))));
      assert.equal(inserts, 1);
      const sent = await messagesWhile(
        (text) => !/^PREPARE /.test(text) && /bureau_task_start|bureau_finish|into customer/.test(text),
        async () => {
          const more = await Promise.all(Array.from({ length: 6 }, (_, k) => submitted('create_customer', `Piped more ${k}`)));
          await Promise.all(more.map((t) => runTask(batched, t.job)));
        },
      );
      assert.equal(sent, 3);
      assert.equal(new Set(await writers(tasks.map((x) => x.id))).size, 1);
      for (let k = 0; k < 6; k++) assert.equal(await named(`Piped ${k}`), 1);
      // Each handler got its own statement's row: each result names its own customer.
      const rows = await results(tasks.map((x) => x.id));
      for (const r of rows) assert.equal(r.result.name, `Piped ${tasks.findIndex((x) => x.id === Number(r.id))}`);
    });

    it('rolls the batch back when PostgreSQL refuses one statement of the shared message, a text holds two, or a handler does not wait for its statement, then runs each alone', async () => {
      const tasks = [await submitted('batched_sql', 'ok A'), await submitted('batched_sql', 'null B'), await submitted('batched_sql', 'two C'), await submitted('batched_sql', 'ok D')];
      const settled = await Promise.allSettled(tasks.map((t) => runTask(batched, t.job)));
      // Alone, the refused statement fails its task; a text of two statements is what ctx.sql allows outside a batch.
      assert.deepEqual(settled.map((s) => s.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      const rows = await results(tasks.map((t) => t.id));
      assert.deepEqual(rows.map((r) => [r.status, r.attempts]), [['succeeded', 1], ['failed', 1], ['succeeded', 1], ['succeeded', 1]]);
      // Written once, by each task's own transaction; the batch's writes were rolled back.
      for (const name of ['ok A', 'two C', 'ok D']) assert.equal(await named(name), 1, name);
      const [a, , c, d] = await writers(tasks.map((t) => t.id));
      assert.equal(new Set([a, c, d]).size, 3);
      // Statements no handler waited for are still unsent when the handlers settle: they are dropped and the batch
      // declines. Alone, each task's own transaction sends its statement before COMMIT, so each is written once.
      const loose = [await submitted('batched_sql', 'unawaited H'), await submitted('batched_sql', 'unawaited I')];
      await Promise.all(loose.map((t) => runTask(batched, t.job)));
      assert.deepEqual((await results(loose.map((t) => t.id))).map((r) => r.status), ['succeeded', 'succeeded']);
      assert.equal(await named('unawaited H'), 1);
      assert.equal(await named('unawaited I'), 1);
      assert.equal(new Set(await writers(loose.map((t) => t.id))).size, 2);
      // The text of two statements on its own declines the batch too.
      const two = [await submitted('batched_sql', 'ok E'), await submitted('batched_sql', 'two F'), await submitted('batched_sql', 'ok G')];
      await Promise.all(two.map((t) => runTask(batched, t.job)));
      assert.deepEqual((await results(two.map((t) => t.id))).map((r) => r.status), ['succeeded', 'succeeded', 'succeeded']);
      assert.equal(new Set(await writers(two.map((t) => t.id))).size, 3);
    });

    it('rolls the whole batch back when one task is refused, then runs each alone: the others succeed once, the refused one fails', async () => {
      const tasks = [await submitted('batched_refusal', 'kept A'), await submitted('batched_refusal', 'refuse B'), await submitted('batched_refusal', 'kept C')];
      const settled = await Promise.allSettled(tasks.map((t) => runTask(batched, t.job)));
      assert.deepEqual(settled.map((s) => s.status), ['fulfilled', 'rejected', 'fulfilled']);
      assert.ok((settled[1] as PromiseRejectedResult).reason instanceof UnrecoverableError);
      const [a, r, c] = await results(tasks.map((t) => t.id));
      assert.deepEqual([a.status, r.status, c.status], ['succeeded', 'failed', 'succeeded']);
      assert.deepEqual([a.attempts, r.attempts, c.attempts], [1, 1, 1]);
      // Written once by the task's own transaction; the batch's writes were rolled back, the refused one's too.
      assert.equal(await named('kept A'), 1);
      assert.equal(await named('kept C'), 1);
      assert.equal(await named('refuse B'), 0);
    });

    it('leaves out a task whose copy is not its row, or that already finished, or that is delivered twice, and commits the rest together', async () => {
      const done = await submitted('create_customer', 'Batch done before');
      await runTask(deps, done.job);
      const forged = await submitted('create_customer', 'Batch stored', 'Batch forged');
      const plain = await submitted('create_customer', 'Batch plain');
      const twice = await submitted('create_customer', 'Batch twice');
      const jobs = [done.job, forged.job, plain.job, twice.job, twice.job];
      await Promise.all(jobs.map((job) => runTask(batched, job)));
      // plain and twice's first delivery in the batch's transaction; forged alone, from its row.
      const [f, p, t] = await writers([forged.id, plain.id, twice.id]);
      assert.equal(p, t);
      assert.notEqual(f, p);
      const rows = await results([done.id, forged.id, plain.id, twice.id]);
      assert.deepEqual(rows.map((t) => [t.status, t.attempts, t.entries]), [['succeeded', 1, 1], ['succeeded', 1, 1], ['succeeded', 1, 1], ['succeeded', 1, 1]]);
      assert.equal(rows[1].result.name, 'Batch stored');
      for (const name of ['Batch done before', 'Batch stored', 'Batch plain', 'Batch twice']) assert.equal(await named(name), 1, name);
      assert.equal(await named('Batch forged'), 0);
    });

    it('runs a job that arrives alone in a transaction of its own, and a job of an action that is not batchable never waits for a batch', async () => {
      const lone = await submitted('create_customer', 'Batch lone');
      assert.equal(await commits(() => runTask(batched, lone.job)), 1);
      const other = await insertTask('unflushed_write', 'Batch not batchable');
      assert.equal(await commits(() => runTask(batched, { data: { taskId: other }, attemptsMade: 0, opts: { attempts: 5 } })), 1);
      assert.equal((await results([lone.id]))[0].status, 'succeeded');
      assert.equal((await task(other)).status, 'succeeded');
    });
  });
});
