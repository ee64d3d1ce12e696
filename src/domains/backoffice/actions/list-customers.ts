import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';

/** The admin console's customer table: newest first, with how many items of each type are still open. */
export const listCustomers = defineAction({
  name: 'list_customers',
  summary: 'Lists the customers of your tenant, newest first, with their open documents, transfers and inquiries; `q` filters by name, `offset` pages.',
  roles: ['admin'],
  worker: 'admin',
  access: { ids: {}, owner: 'tenant' },
  input: z.strictObject({
    q: z.string().trim().max(200).optional().describe('Part of the name (case-insensitive).'),
    limit: z.number().int().min(1).max(200).optional(),
    offset: z.number().int().min(0).max(1_000_000).optional(),
  }),
  example: { q: 'ada', limit: 50, offset: 0 },
  async handler(input, ctx) {
    const limit = input.limit ?? 50;
    const offset = input.offset ?? 0;
    const pattern = input.q ? `%${input.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
    const where = `c.tenant_id = ? and (?::text is null or c.name ilike ?)`;
    const params = [ctx.tenantId, pattern, pattern];
    const open = (table: string, statuses: string) => `(select count(*)::int from ${table} i where i.tenant_id = c.tenant_id and i.customer_id = c.id and i.status in (${statuses}))`;
    const rows = await ctx.sql<{ id: number; name: string; createdAt: Date; documents: number; transfers: number; inquiries: number }>(
      `select c.id, c.name, c.created_at as "createdAt",
              ${open('document', `'pending', 'in_review'`)} as documents,
              ${open('transfer', `'pending', 'in_review'`)} as transfers,
              ${open('inquiry', `'open', 'in_progress', 'answered'`)} as inquiries
         from customer c where ${where} order by c.id desc limit ? offset ?`,
      [...params, limit, offset],
    );
    const [count] = await ctx.sql<{ n: number }>(`select count(*)::int as n from customer c where ${where}`, params);
    return {
      total: count?.n ?? 0,
      limit,
      offset,
      customers: rows.map(({ documents, transfers, inquiries, ...c }) => ({ ...c, open: { documents, transfers, inquiries } })),
    };
  },
});
