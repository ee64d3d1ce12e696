import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { type Level as LevelNumber } from '../../../core/roles.js';
import { escalate, loadItem } from '../rules.js';
import { Id, ItemTypeSchema, Level } from '../schemas.js';

function duration(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms >= 60_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 100) / 10} s`;
}

export const slaEscalate = defineAction({
  name: 'sla_escalate',
  summary: 'Timer: escalates an item still waiting, untaken, at the level it had when the timer was set. Run by the system only.',
  roles: [],
  worker: 'system',
  internal: true,
  access: { ids: { id: { kindFrom: 'type' } }, owner: 'tenant' },
  input: z.strictObject({ type: ItemTypeSchema, id: Id, level: Level }),
  example: { type: 'document', id: 1, level: 1 },
  async handler(input, ctx) {
    const item = await loadItem(ctx, input.type, input.id);
    const waiting = input.type === 'inquiry' ? 'open' : 'pending';
    if (item.status !== waiting || item.level !== input.level) return { escalated: false, reason: 'taken, decided or already escalated' };
    if (item.level >= 3) return { escalated: false, reason: 'already at the top level' };
    await escalate(ctx, input.type, input.id, item.level + 1, `SLA: untaken for ${duration(ctx.config.slaMs[input.level as LevelNumber])} at level ${input.level}`);
    return { escalated: true, level: input.level + 1 };
  },
});
