import assert from 'node:assert/strict';
import type { Dispatch, Queues } from '../../src/infra/queue.js';
import { Outbox } from '../../src/pipeline/outbox.js';
import { startTestBureau, type TestBureau } from '../helpers/bureau.js';

/** A queue door that records what it is given, or refuses it. */
function fakeQueues(refuse = false): { queues: Queues; sent: Dispatch[] } {
  const sent: Dispatch[] = [];
  const queues = {
    dispatch: async (items: Dispatch[]) => {
      if (refuse) throw new Error('queue down');
      sent.push(...items);
    },
  } as unknown as Queues;
  return { queues, sent };
}

describe('the outbox relay', () => {
  let b: TestBureau;
  before(async () => {
    b = await startTestBureau({ workers: [] });
  });
  after(() => b.close());

  /** A system task with its outbox row, as a door that crashed before dispatching would leave it. */
  async function leftover(): Promise<number> {
    const { rows } = await b.db.query(
      `with t as (insert into task (tenant_id, actor_id, action, queue, input, status)
                  select id, null, 'relay_test', 'relay_test', '{}'::jsonb, 'queued' from tenant order by id limit 1 returning id)
       insert into outbox (task_id, queue) select id, 'relay_test' from t returning task_id`,
    );
    return Number(rows[0].task_id);
  }
  const outboxHas = async (id: number) => (await b.db.query('select 1 from outbox where task_id = $1', [id])).rows.length > 0;

  it('dispatches a row left behind and deletes it in the same transaction', async () => {
    const id = await leftover();
    const { queues, sent } = fakeQueues();
    // staleMs 0: this relay takes the row at once, before the runtime's own relay (2 s) would.
    const moved = await new Outbox(() => b.rt.orm.em.fork(), queues, b.rt.log, 0).relayOnce();
    assert.ok(moved >= 1);
    assert.deepEqual(sent.filter((d) => d.taskId === id).map((d) => d.queue), ['relay_test']);
    assert.equal(await outboxHas(id), false);
  });

  it('keeps the row when the queue refuses it, for the next pass', async () => {
    const id = await leftover();
    const { queues } = fakeQueues(true);
    await assert.rejects(new Outbox(() => b.rt.orm.em.fork(), queues, b.rt.log, 0).relayOnce(), /queue down/);
    assert.equal(await outboxHas(id), true);
    const retry = fakeQueues();
    await new Outbox(() => b.rt.orm.em.fork(), retry.queues, b.rt.log, 0).relayOnce();
    assert.ok(retry.sent.some((d) => d.taskId === id));
    assert.equal(await outboxHas(id), false);
  });
});
