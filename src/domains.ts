import { DomainSet } from './core/domain-set.js';
import { accountsDomain } from './domains/accounts/index.js';
import { auditDomain } from './domains/audit/index.js';
import { backofficeDomain } from './domains/backoffice/index.js';
import { bookingsDomain } from './domains/bookings/index.js';
import { guestsDomain } from './domains/guests/index.js';
import { invitationsDomain } from './domains/invitations/index.js';
import { tasksDomain } from './domains/tasks/index.js';
import { workflowsDomain } from './domains/workflows/index.js';

/**
 * Every domain, once. The registry, the ORM's entities, the roles and their
 * queues, the worker kinds, the demo data, the authorization matrix's callers
 * and id factories and the sequence log's names all come from this list.
 * Append a new domain at the end: the demo sets load in this order, so a new
 * one never moves another's ids.
 */
export const DOMAINS = [accountsDomain, tasksDomain, auditDomain, backofficeDomain, invitationsDomain, guestsDomain, workflowsDomain, bookingsDomain];

/** The worker kind that runs timers and maintenance (the tasks domain's). */
export const SYSTEM_KIND = 'system';

export const domains = new DomainSet(DOMAINS, SYSTEM_KIND);
