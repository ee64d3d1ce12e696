import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { AppError } from '../../../core/errors.js';

export const grantCompanyRole = defineAction({
  name: 'grant_company_role',
  summary: 'Gives a user of the company (by email) one of its company roles, or takes it away with `granted: false`.',
  roles: ['admin'],
  worker: 'workflows',
  access: { ids: {}, owner: 'tenant' },
  input: z.strictObject({ email: z.email().max(320), role: z.string().max(63), granted: z.boolean().optional() }),
  example: { email: 'user@initech.test', role: 'finance', granted: true },
  async handler(input, ctx) {
    const [user] = await ctx.sql<{ id: number }>('select id from app_user where tenant_id = ? and lower(email) = lower(?)', [ctx.tenantId, input.email]);
    if (!user) throw new AppError('VALIDATION_FAILED', `${input.email} is not a user of this company.`, { issues: [{ path: 'email', message: 'not a user of this company' }] });
    const [role] = await ctx.sql<{ id: number }>('select id from company_role where tenant_id = ? and name = ?', [ctx.tenantId, input.role]);
    if (!role) throw new AppError('VALIDATION_FAILED', `This company has no role "${input.role}"; define it first.`, { issues: [{ path: 'role', message: 'no such company role' }] });
    const granted = input.granted ?? true;
    if (granted) await ctx.sql('insert into company_role_member (company_role_id, user_id, tenant_id) values (?, ?, ?) on conflict do nothing', [role.id, user.id, ctx.tenantId]);
    else await ctx.sql('delete from company_role_member where company_role_id = ? and user_id = ?', [role.id, user.id]);
    return { email: input.email, role: input.role, granted };
  },
});
