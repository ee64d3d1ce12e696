import { defineAction } from '../../../core/define-action.js';
import { history, itemView, loadItem, type ItemType } from '../rules.js';
import { ById } from '../schemas.js';

/** `get_document`, `get_transfer`, `get_inquiry`: one item of the tenant with its history. */
export function getItemAction<T extends ItemType>(type: T, article: 'a' | 'an') {
  return defineAction({
    name: `get_${type}`,
    summary: `Returns ${article} ${type} of your tenant with its history (who moved it, when, from what to what, why).`,
    roles: ['admin', 'compliance', 'service'],
    worker: 'caller',
    access: { ids: { id: type }, owner: 'tenant' },
    input: ById,
    example: { id: 1 },
    async handler(input, ctx) {
      const item = await loadItem(ctx, type, input.id, false);
      return { ...itemView(type, item), history: await history(ctx, type, item.id) };
    },
  });
}
