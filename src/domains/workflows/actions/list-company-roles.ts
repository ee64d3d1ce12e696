import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';

export const listCompanyRoles = defineAction({
  name: 'list_company_roles',
  summary: "Lists the company's own roles and their members' emails.",
  roles: ['admin', 'workflow_creator'],
  worker: 'workflows',
  access: { ids: {}, owner: 'tenant' },
  input: z.strictObject({}),
  example: {},
  async handler(_input, ctx) {
    const roles = await ctx.sql(
      `select r.name, r.description, coalesce(array_agg(u.email order by u.email) filter (where u.id is not null), '{}') as members
         from company_role r left join company_role_member m on m.company_role_id = r.id left join app_user u on u.id = m.user_id
        where r.tenant_id = ? group by r.id order by r.name`,
      [ctx.tenantId],
    );
    return { roles };
  },
});
