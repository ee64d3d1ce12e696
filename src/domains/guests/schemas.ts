import { z } from 'zod';

export const Id = z.number().int().positive().max(2_147_483_647);

/** Who may act on a person's rows: the person, their coordinator, the provider's admin (anyone else: NOT_FOUND). */
export const ON_A_GUEST = { ids: { guest_id: 'guest' }, owner: 'owner', anyOwner: ['coordinator', 'admin'] } as const;
export const ON_A_TASK = { ids: { task_id: 'guest_task' }, owner: 'owner', anyOwner: ['coordinator', 'admin'] } as const;
export const PEOPLE = ['guest', 'host'] as const;
export const EVERYONE = ['guest', 'host', 'coordinator', 'admin'] as const;
