import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { Customer } from '../entities.js';

export const createCustomer = defineAction({
  name: 'create_customer',
  summary: 'Creates a customer in your tenant.',
  roles: ['admin'],
  worker: 'admin',
  creates: 'customer',
  access: { ids: {}, owner: 'tenant' },
  input: z.strictObject({ name: z.string().trim().min(1).max(200) }),
  example: { name: 'Ada Lovelace' },
  async handler(input, ctx) {
    const customer = ctx.em.create(Customer, { tenantId: ctx.tenantId, name: input.name, createdBy: ctx.actor.kind === 'user' ? ctx.actor.id : null });
    await ctx.em.flush();
    return { id: customer.id, name: customer.name };
  },
});
