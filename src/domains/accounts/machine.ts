import { defineMachine } from '../../core/state-machine.js';

/**
 * A user's account. `invited`: made by an invitation, no password yet;
 * `active`: may log in; `disabled`: may not (its sessions stop working).
 */
export const USER_STATUSES = ['active', 'invited', 'disabled'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

export const userMachine = defineMachine({
  entity: 'user',
  statuses: USER_STATUSES,
  final: [],
  events: {
    created: { from: [], to: 'active', verb: 'create' },
    invited: { from: [], to: 'invited', verb: 'invite' },
    registered: { from: ['invited'], to: 'active', verb: 'register' },
    disabled: { from: ['active'], to: 'disabled', verb: 'disable' },
    enabled: { from: ['disabled'], to: 'active', verb: 'enable' },
  },
});
