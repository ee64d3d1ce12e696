import { Tenant, User } from './domains/accounts/entities.js';
import { EntityEvent } from './domains/audit/entity-event.entity.js';
import { Customer, Document, Inquiry, Transfer } from './domains/backoffice/entities.js';
import { Invitation, InvitationToken } from './domains/invitations/entities.js';

/** Every entity the ORM knows; each domain adds its own here. */
export const entities = [Tenant, User, EntityEvent, Customer, Document, Transfer, Inquiry, Invitation, InvitationToken] as const;
