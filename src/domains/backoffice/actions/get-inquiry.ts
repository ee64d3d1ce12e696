import { defineAction } from '../../../core/define-action.js';
import { ROLES } from '../../../core/roles.js';
import { history, itemView, loadItem } from '../rules.js';
import { ById } from '../schemas.js';

export const getInquiry = defineAction({
  name: 'get_inquiry',
  summary: 'Returns an inquiry of your tenant with its history (who moved it, when, from what to what, why).',
  roles: ROLES,
  worker: 'caller',
  input: ById,
  example: { id: 1 },
  async handler(input, ctx) {
    const item = await loadItem(ctx, 'inquiry', input.id, false);
    return { ...itemView('inquiry', item), history: await history(ctx, 'inquiry', item.id) };
  },
});
