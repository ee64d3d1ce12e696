import { defineDomain } from '../../core/define-domain.js';
import { invitationActions } from './actions.js';
import { Invitation, InvitationToken } from './entities.js';
import { invitationFixture } from './fixtures.js';
import { invitationMachine } from './machine.js';

/** Seed 002: invite a person by email, track the link, register in one step; the `mail` worker kind sends. */
export const invitationsDomain = defineDomain({
  name: 'invitations',
  summary: 'Invitations by email with link tracking, expiry, reinvite and one-step registration (seed 002).',
  workerKinds: ['mail'],
  actions: invitationActions,
  entities: [Invitation, InvitationToken],
  machines: [invitationMachine],
  idKinds: { invitation: { fixture: invitationFixture, messageWord: 'invitation', refKeys: ['invitationId'] } },
});
