import type { ActionDefinition } from './core/define-action.js';
import { Registry } from './core/registry.js';
import { accountActions } from './domains/accounts/actions.js';
import { backofficeActions } from './domains/backoffice/actions.js';
import { invitationActions } from './domains/invitations/actions.js';
import { taskActions } from './domains/tasks/actions.js';

/** Every domain's actions; a domain adds its list here. Duplicate names throw. */
export const allActions: ActionDefinition[] = [...accountActions, ...taskActions, ...backofficeActions, ...invitationActions] as ActionDefinition[];

export function buildRegistry(): Registry {
  return new Registry(allActions);
}
