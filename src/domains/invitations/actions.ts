import { acceptInvitation } from './actions/accept-invitation.js';
import { deleteInvitation } from './actions/delete-invitation.js';
import { expireInvitation } from './actions/expire-invitation.js';
import { getInvitation } from './actions/get-invitation.js';
import { inviteUser } from './actions/invite-user.js';
import { listInvitations } from './actions/list-invitations.js';
import { listPeople } from './actions/list-people.js';
import { reinvite } from './actions/reinvite.js';
import { revokeInvitation } from './actions/revoke-invitation.js';
import { sendInvitation } from './actions/send-invitation.js';

/** Seed 002: invitations by email, user-first. */
export const invitationActions = [inviteUser, listPeople, listInvitations, getInvitation, reinvite, revokeInvitation, deleteInvitation, acceptInvitation, sendInvitation, expireInvitation];
