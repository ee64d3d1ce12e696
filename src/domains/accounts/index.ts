import { defineDomain } from '../../core/define-domain.js';
import { accountActions } from './actions.js';
import { Tenant, User } from './entities.js';
import { userFixture } from './fixtures.js';
import { userMachine } from './machine.js';

/** Tenants, users and sessions: every tenant uses it, and its `admin` is the tenant's administrator in every domain. */
export const accountsDomain = defineDomain({
  name: 'accounts',
  summary: 'Tenants, users, sessions: login and logout, password change, disabling users.',
  roles: ['admin'],
  everyTenant: true,
  actions: accountActions,
  entities: [Tenant, User],
  machines: [userMachine],
  idKinds: { user: { fixture: userFixture, refKeys: ['userId'] } },
  callers: { tenants: { own: 'acme', other: 'globex' }, roles: { admin: { caller: 'admin', other: 'compliance2' } } },
});
