import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { actorId } from '../../../core/roles.js';
import { DashboardSpec, publishDashboard } from '../definition.js';
import { DEMO_GUEST_DASHBOARD } from '../demo-dashboards.js';

export const publishGuestDashboard = defineAction({
  name: 'publish_guest_dashboard',
  summary:
    "The provider admin publishes a new version of the guest or host dashboard: ordered task groups of ordered tasks (form / training / scheduling / matching), form tasks with their ordered questions (text, type, required, options). The JSON is checked at the door, each refusal naming its path. People already enrolled keep the version they have; new invitations get this one.",
  roles: ['admin'],
  access: { ids: {}, owner: 'tenant' },
  worker: 'guests',
  input: z.strictObject({ definition: DashboardSpec }),
  example: { definition: DEMO_GUEST_DASHBOARD },
  async handler(input, ctx) {
    const published = await publishDashboard(ctx, ctx.tenantId, input.definition, actorId(ctx.actor));
    return { id: published.id, role: input.definition.role, version: published.version, title: input.definition.title, taskGroups: input.definition.taskGroups.length };
  },
});
