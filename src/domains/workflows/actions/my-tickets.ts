import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { me } from '../rules.js';
import { listTickets } from '../views.js';

export const myTickets = defineAction({
  name: 'my_tickets',
  summary: 'Lists the tickets you submitted, newest first, with their workflow status.',
  roles: ['user'],
  worker: 'workflows',
  access: { ids: {}, owner: 'tenant' },
  input: z.strictObject({ limit: z.number().int().min(1).max(500).optional() }),
  example: { limit: 50 },
  handler: async (input, ctx) => ({ tickets: await listTickets(ctx, ctx.tenantId, { createdBy: me(ctx), limit: input.limit }) }),
});
