import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';

export const createCustomer = defineAction({
  name: 'create_customer',
  summary: 'Creates a customer in your tenant.',
  roles: ['admin'],
  worker: 'admin',
  creates: 'customer',
  access: { ids: {}, owner: 'tenant' },
  // One short insert: tasks that start together on a worker share one transaction (pipeline/task-batch.ts).
  batch: true,
  input: z.strictObject({ name: z.string().trim().min(1).max(200) }),
  example: { name: 'Ada Lovelace' },
  async handler(input, ctx) {
    // The busiest action writes its one row with SQL, not through the unit of work: MikroORM's create + flush was
    // about half of the worker's CPU per task (docs/benchmarks.md, fix 15). `created_at` is the column's default.
    const [row] = await ctx.sql<{ id: number }>('insert into customer (tenant_id, name, created_by) values (?, ?, ?) returning id', [
      ctx.tenantId,
      input.name,
      ctx.actor.kind === 'user' ? ctx.actor.id : null,
    ]);
    return { id: row!.id, name: input.name };
  },
});
