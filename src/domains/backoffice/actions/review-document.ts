import { defineAction } from '../../../core/define-action.js';
import { ITEM_WORKERS, review } from '../rules.js';
import { Review } from '../schemas.js';

export const reviewDocument = defineAction({
  name: 'review_document',
  summary: 'Approves or rejects a document at or below your level. You may not approve one you escalated (four eyes).',
  roles: ['compliance'],
  worker: 'compliance',
  access: { ids: { id: 'document' }, owner: 'worker', workers: ITEM_WORKERS },
  input: Review,
  example: { id: 1, approved: true },
  handler: (input, ctx) => review(ctx, 'document', input.id, input.approved, input.reason),
});
