import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { taskDefView, type TaskDefRow } from '../definitions.js';

export const listTaskDefinitions = defineAction({
  name: 'list_task_definitions',
  summary: "Lists the task definitions of the latest version of each of the company's workflows.",
  roles: ['workflow_creator', 'ticket_admin'],
  worker: 'workflows',
  access: { ids: {}, owner: 'tenant' },
  input: z.strictObject({}),
  example: {},
  async handler(_input, ctx) {
    const rows = await ctx.sql<TaskDefRow>(
      `select t.* from task_definition t join workflow_definition w on w.id = t.workflow_definition_id
        where t.tenant_id = ? and w.version = (select max(version) from workflow_definition l where l.tenant_id = w.tenant_id and l.wf_key = w.wf_key)
        order by t.id`,
      [ctx.tenantId],
    );
    return { tasks: rows.map(taskDefView) };
  },
});
