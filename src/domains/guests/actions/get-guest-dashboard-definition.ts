import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { AppError } from '../../../core/errors.js';
import { readDefinition } from '../definition.js';

export const getGuestDashboardDefinition = defineAction({
  name: 'get_guest_dashboard_definition',
  summary:
    "The provider admin reads a dashboard definition (the current version of a role's, or a given `version`) in the form publish_guest_dashboard takes, with the list of published versions and how many people keep each.",
  roles: ['admin'],
  access: { ids: {}, owner: 'tenant' },
  worker: 'guests',
  input: z.strictObject({ role: z.enum(['guest', 'host']), version: z.number().int().positive().optional() }),
  example: { role: 'guest' },
  async handler(input, ctx) {
    const versions = await ctx.sql<{ id: number; version: number; title: string; created_at: Date; people: number }>(
      `select d.id, d.version, d.title, d.created_at, (select count(*)::int from guest_profile p where p.dashboard_id = d.id) as people
         from onboarding_dashboard d where d.tenant_id = ? and d.role = ? and d.version > 0 order by d.version`,
      [ctx.tenantId, input.role],
    );
    const pick = input.version === undefined ? versions.at(-1) : versions.find((v) => v.version === input.version);
    if (!pick) throw new AppError('NOT_FOUND', input.version === undefined ? `No ${input.role} dashboard yet.` : `No ${input.role} dashboard version ${input.version}.`);
    return {
      role: input.role,
      version: pick.version,
      definition: await readDefinition(ctx, pick.id),
      versions: versions.map((v) => ({ version: v.version, title: v.title, publishedAt: v.created_at, people: v.people })),
    };
  },
});
