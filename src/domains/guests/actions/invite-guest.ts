import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { invite } from '../../invitations/service.js';

const Name = z.string().trim().min(1).max(100);

/**
 * A coordinator's invite_user: the same invitation (invitations domain, same
 * transaction, same email on the `mail` queue), limited to guests and hosts,
 * who are then the coordinator's.
 */
export const inviteGuest = defineAction({
  name: 'invite_guest',
  summary:
    "A coordinator invites a guest or host, who is then theirs: the same as invite_user (an inactive user and an invitation email on the `mail` queue), plus their dashboard rows on the provider's current version. The provider admin uses invite_user with `coordinator_id`.",
  roles: ['coordinator'],
  access: { ids: {}, owner: 'tenant' },
  worker: 'guests',
  rateLimit: { per: 'tenant', points: (config) => config.inviteRateLimit, windowMs: 3_600_000 },
  input: z.strictObject({ email: z.email().max(320), role: z.enum(['guest', 'host']), first_name: Name, last_name: Name }),
  example: { email: 'jordan.rivers@example.com', role: 'guest', first_name: 'Jordan', last_name: 'Rivers' },
  handler(input, ctx) {
    return invite(ctx, { ...input, level: 1 });
  },
});
