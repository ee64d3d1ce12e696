import { defineMachine } from '../../core/state-machine.js';

/**
 * The seed's statuses. `not invited`: created, its latest email not yet accepted
 * by the SMTP server; `invited`: sent; `clicked`: its link was followed;
 * `registered`: accepted; `expired` / `revoked`: dead links (a reinvite revives
 * an expired one). Opens and reinvites are recorded as events too.
 */
export const INVITATION_STATUSES = ['not invited', 'invited', 'clicked', 'registered', 'expired', 'revoked'] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];

/** Statuses whose links may still be used. */
export const LIVE_STATUSES: readonly InvitationStatus[] = ['not invited', 'invited', 'clicked'];

export const invitationMachine = defineMachine({
  entity: 'invitation',
  statuses: INVITATION_STATUSES,
  final: ['registered', 'revoked'],
  events: {
    created: { from: [], to: 'not invited' },
    sent: { from: ['not invited'], to: 'invited', verb: 'send' },
    clicked: { from: ['not invited', 'invited', 'clicked'], to: 'clicked', verb: 'click' },
    registered: { from: ['not invited', 'invited', 'clicked'], to: 'registered', verb: 'register' },
    expired: { from: ['not invited', 'invited', 'clicked'], to: 'expired', verb: 'expire' },
    revoked: { from: ['not invited', 'invited', 'clicked', 'expired'], to: 'revoked', verb: 'revoke' },
    reinvited: { from: ['not invited', 'invited', 'clicked', 'expired'], to: 'not invited', verb: 'reinvite' },
  },
});
