import { defineDomain } from '../../core/define-domain.js';
import { guestActions } from './actions.js';
import { guestsDemo } from './demo.js';
import { GUEST_ENTITIES } from './entities.js';
import { guestFixture, guestTaskFixture } from './fixtures.js';
import { guestTaskMachine, taskGroupMachine } from './machines.js';

/**
 * Seed 000 (HomeUniteUs): providers (tenants) publish versioned dashboards of
 * ordered task groups and tasks for their guests and hosts; each person works
 * through theirs under the unlock rules (unlock.ts), with their coordinator.
 *
 * Matrix note: `anyOwner` lists the coordinator because each demo provider has
 * one coordinator, who coordinates every demo guest; that a coordinator sees
 * only their own guests (another coordinator's are NOT_FOUND) is tested in
 * test/integration/guests.test.ts.
 */
export const guestsDomain = defineDomain({
  name: 'guests',
  summary: "Guest and host onboarding: providers' versioned dashboards of task groups and tasks, the unlock rules, stored answers, coordinators (seed 000).",
  roles: ['guest', 'host', 'coordinator'],
  workerKinds: ['guests'],
  roleQueues: { guest: 'guests', host: 'guests', coordinator: 'guests' },
  actions: guestActions,
  entities: GUEST_ENTITIES,
  machines: [guestTaskMachine, taskGroupMachine],
  idKinds: {
    guest: { fixture: guestFixture, refKeys: ['guestId'], listKeys: ['guests'], messageWord: 'guest' },
    guest_task: { fixture: guestTaskFixture, refKeys: ['taskId', 'blockingTaskId'] },
  },
  demo: guestsDemo,
  callers: {
    tenants: { own: 'hope', other: 'haven' },
    roles: {
      admin: { caller: 'admin', other: 'coordinator' },
      coordinator: { caller: 'coordinator', other: 'guest1' },
      guest: { caller: 'guest1', other: 'guest2' },
      host: { caller: 'host1', other: 'guest1' },
    },
  },
});
