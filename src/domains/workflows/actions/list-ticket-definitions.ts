import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { listTicketDefs, ticketDefView } from '../definitions.js';
import { submitterScope } from '../rules.js';

export const listTicketDefinitions = defineAction({
  name: 'list_ticket_definitions',
  summary: "Lists the company's ticket types, latest version of each. A user sees only those they may submit (open to everyone, or to a company role they hold); designers and ticket admins see all, and every version with `all_versions`.",
  roles: ['user', 'workflow_creator', 'ticket_admin'],
  worker: 'workflows',
  access: { ids: {}, owner: 'tenant' },
  input: z.strictObject({ all_versions: z.boolean().optional() }),
  example: {},
  async handler(input, ctx) {
    const scope = submitterScope(ctx);
    const rows = await listTicketDefs(ctx, ctx.tenantId, { allVersions: scope === undefined && (input.all_versions ?? false), ...(scope !== undefined ? { userId: scope } : {}) });
    return { ticketDefinitions: rows.map(ticketDefView) };
  },
});
