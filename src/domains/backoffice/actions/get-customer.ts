import { defineAction } from '../../../core/define-action.js';
import { AppError } from '../../../core/errors.js';
import { Customer } from '../entities.js';
import { formatCents } from '../money.js';
import { ById } from '../schemas.js';

/** A customer with its documents, transfers and inquiries (the latest 50 of each). */
export const getCustomer = defineAction({
  name: 'get_customer',
  summary: 'Returns a customer of your tenant with its documents, transfers and inquiries.',
  roles: ['admin', 'compliance', 'service'],
  worker: 'caller',
  access: { ids: { id: 'customer' }, owner: 'tenant' },
  input: ById,
  example: { id: 1 },
  async handler(input, ctx) {
    const c = await ctx.em.findOne(Customer, { id: input.id, tenantId: ctx.tenantId });
    if (!c) throw new AppError('NOT_FOUND', `No customer ${input.id}.`);
    const items = (table: string, extra: string) =>
      ctx.sql(`select id, level, status${extra} from ${table} where tenant_id = ? and customer_id = ? order by id desc limit 50`, [ctx.tenantId, c.id]);
    const [documents, transfers, inquiries] = [await items('document', ''), await items('transfer', ', amount_cents'), await items('inquiry', '')];
    return {
      id: c.id,
      name: c.name,
      createdAt: c.createdAt,
      documents,
      transfers: transfers.map(({ amount_cents, ...t }) => ({ ...t, amount: formatCents(Number(amount_cents)) })),
      inquiries,
    };
  },
});
