import { defineAction } from '../../../core/define-action.js';
import { ROLES } from '../../../core/roles.js';
import { history, itemView, loadItem } from '../rules.js';
import { ById } from '../schemas.js';

export const getDocument = defineAction({
  name: 'get_document',
  summary: 'Returns a document of your tenant with its history (who moved it, when, from what to what, why).',
  roles: ROLES,
  worker: 'caller',
  input: ById,
  example: { id: 1 },
  async handler(input, ctx) {
    const item = await loadItem(ctx, 'document', input.id, false);
    return { ...itemView('document', item), history: await history(ctx, 'document', item.id) };
  },
});
