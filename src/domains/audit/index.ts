import { defineDomain } from '../../core/define-domain.js';
import { EntityEvent } from './entity-event.entity.js';

/** The event log every state machine appends to (`fire()`): the audit trail and the history views. */
export const auditDomain = defineDomain({
  name: 'audit',
  summary: 'The append-only event log of every state machine.',
  entities: [EntityEvent],
});
