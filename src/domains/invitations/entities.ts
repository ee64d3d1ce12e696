import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { INVITATION_STATUSES } from './machine.js';

export const Invitation = defineEntity({
  name: 'Invitation',
  tableName: 'invitation',
  properties: {
    id: p.integer().primary(),
    tenantId: p.integer(),
    userId: p.integer().nullable(),
    email: p.text(),
    role: p.text(),
    level: p.smallint().default(1),
    status: p.enum([...INVITATION_STATUSES]).columnType('text').default('not invited'),
    invitedBy: p.integer().nullable(),
    expiresAt: p.datetime(),
    sentCount: p.integer().default(0),
    lastSentAt: p.datetime().nullable(),
    messageId: p.text().nullable(),
    openCount: p.integer().default(0),
    firstOpenedAt: p.datetime().nullable(),
    lastOpenedAt: p.datetime().nullable(),
    clickCount: p.integer().default(0),
    firstClickedAt: p.datetime().nullable(),
    lastClickedAt: p.datetime().nullable(),
    registeredAt: p.datetime().nullable(),
    createdAt: p.datetime().defaultRaw('now()').onCreate(() => new Date()),
    updatedAt: p.datetime().defaultRaw('now()').onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});
export type IInvitation = InferEntity<typeof Invitation>;

/** One per email sent; only the hash of the link's token is stored. */
export const InvitationToken = defineEntity({
  name: 'InvitationToken',
  tableName: 'invitation_token',
  properties: {
    id: p.integer().primary(),
    invitationId: p.integer(),
    tokenHash: p.text().unique(),
    expiresAt: p.datetime(),
    createdAt: p.datetime().defaultRaw('now()').onCreate(() => new Date()),
  },
});
export type IInvitationToken = InferEntity<typeof InvitationToken>;
