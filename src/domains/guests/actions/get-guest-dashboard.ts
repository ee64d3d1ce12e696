import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { personFor } from '../rules.js';
import { EVERYONE, Id, ON_A_GUEST } from '../schemas.js';
import { dashboardView } from '../views.js';

export const getGuestDashboard = defineAction({
  name: 'get_guest_dashboard',
  summary:
    "A guest's (or host's) dashboard: the task groups and tasks of the version they keep, in order, with their statuses (`Locked`, `Start`, `In progress`, `More information is needed`, `Complete`). A guest or host reads their own (no `guest_id`); their coordinator and the provider admin name one. Hosts read theirs with this same action.",
  roles: EVERYONE,
  access: ON_A_GUEST,
  worker: 'guests',
  input: z.strictObject({ guest_id: Id.optional() }),
  example: { guest_id: 1 },
  async handler(input, ctx) {
    return dashboardView(ctx, await personFor(ctx, input.guest_id));
  },
});
