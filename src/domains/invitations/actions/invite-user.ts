import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { Id, Level } from '../../backoffice/schemas.js';
import { invite } from '../service.js';

const Name = z.string().trim().min(1).max(100);

export const inviteUser = defineAction({
  name: 'invite_user',
  summary:
    'Creates an inactive user of your tenant with that role and level, and an invitation pointing at it; the email goes out on the `mail` queue (status `not invited` until the SMTP server accepts it, then `invited`). 409 when the email is already a user of the tenant or has a live invitation.',
  roles: ['admin'],
  access: { ids: {}, owner: 'tenant' },
  worker: 'admin',
  creates: 'invitation',
  roleFields: ['role'],
  rateLimit: { per: 'tenant', points: (config) => config.inviteRateLimit, windowMs: 3_600_000 },
  input: z.strictObject({
    email: z.email().max(320),
    role: z.string().describe("One of your tenant's roles (those of the domains it uses)."),
    level: Level.optional(),
    first_name: Name,
    last_name: Name,
    coordinator_id: Id.optional().describe('Guests and hosts: their coordinator (a coordinator of the tenant).'),
  }),
  example: { email: 'grace.hopper@example.com', role: 'compliance', level: 1, first_name: 'Grace', last_name: 'Hopper' },
  handler: (input, ctx) => invite(ctx, input),
});
