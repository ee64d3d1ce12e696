import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';

export const defineCompanyRole = defineAction({
  name: 'define_company_role',
  summary: "Defines (or redescribes) one of the company's own roles, which ticket types may name in `company_role_access`.",
  roles: ['admin'],
  worker: 'workflows',
  access: { ids: {}, owner: 'tenant' },
  input: z.strictObject({ name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/), description: z.string().max(1000).optional() }),
  example: { name: 'finance', description: 'May submit purchase tickets' },
  async handler(input, ctx) {
    const [row] = await ctx.sql<{ id: number }>(
      `insert into company_role (tenant_id, name, description) values (?, ?, ?)
       on conflict (tenant_id, name) do update set description = coalesce(excluded.description, company_role.description) returning id`,
      [ctx.tenantId, input.name, input.description ?? null],
    );
    return { id: row!.id, name: input.name, description: input.description ?? null };
  },
});
