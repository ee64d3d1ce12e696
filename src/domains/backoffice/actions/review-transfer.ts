import { defineAction } from '../../../core/define-action.js';
import { ITEM_WORKERS, review } from '../rules.js';
import { Review } from '../schemas.js';

export const reviewTransfer = defineAction({
  name: 'review_transfer',
  summary: 'Approves or rejects a transfer at or below your level. You may not approve one you escalated (four eyes).',
  roles: ['compliance'],
  worker: 'compliance',
  access: { ids: { id: 'transfer' }, owner: 'worker', workers: ITEM_WORKERS },
  input: Review,
  example: { id: 1, approved: false, reason: 'Beneficiary not verified' },
  handler: (input, ctx) => review(ctx, 'transfer', input.id, input.approved, input.reason),
});
