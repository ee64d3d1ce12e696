import { defineMachine } from '../../core/state-machine.js';

export const REVIEW_STATUSES = ['pending', 'in_review', 'approved', 'rejected'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

/** Documents and transfers: reviewed by Compliance at or above the item's level. */
export const reviewMachine = (entity: 'document' | 'transfer') =>
  defineMachine({
    entity,
    statuses: REVIEW_STATUSES,
    final: ['approved', 'rejected'],
    events: {
      create: { from: [], to: 'pending' },
      take: { from: ['pending'], to: 'in_review' },
      approve: { from: ['pending', 'in_review'], to: 'approved' },
      reject: { from: ['pending', 'in_review'], to: 'rejected' },
      escalate: { from: ['pending', 'in_review'], to: 'pending' },
    },
  });

export const documentMachine = reviewMachine('document');
export const transferMachine = reviewMachine('transfer');

export const INQUIRY_STATUSES = ['open', 'in_progress', 'answered', 'closed'] as const;
export type InquiryStatus = (typeof INQUIRY_STATUSES)[number];

/** Customer inquiries: answered (and closed) by Service at or above the item's level. */
export const inquiryMachine = defineMachine({
  entity: 'inquiry',
  statuses: INQUIRY_STATUSES,
  final: ['closed'],
  events: {
    create: { from: [], to: 'open' },
    take: { from: ['open'], to: 'in_progress' },
    answer: { from: ['open', 'in_progress', 'answered'], to: 'answered' },
    close: { from: ['open', 'in_progress', 'answered'], to: 'closed' },
    escalate: { from: ['open', 'in_progress'], to: 'open' },
  },
});
