import { defineAction } from '../../../core/define-action.js';
import { ROLES } from '../../../core/roles.js';
import { history, itemView, loadItem } from '../rules.js';
import { ById } from '../schemas.js';

export const getTransfer = defineAction({
  name: 'get_transfer',
  summary: 'Returns a transfer of your tenant with its history (who moved it, when, from what to what, why).',
  roles: ROLES,
  worker: 'caller',
  input: ById,
  example: { id: 1 },
  async handler(input, ctx) {
    const item = await loadItem(ctx, 'transfer', input.id, false);
    return { ...itemView('transfer', item), history: await history(ctx, 'transfer', item.id) };
  },
});
