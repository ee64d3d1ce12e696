import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** One append-only row per state-machine transition: the audit trail and the history view. */
export const EntityEvent = defineEntity({
  name: 'EntityEvent',
  tableName: 'entity_event',
  properties: {
    id: p.bigint('number').primary(),
    tenantId: p.integer(),
    entityType: p.text(),
    entityId: p.integer(),
    event: p.text(),
    fromStatus: p.text().nullable(),
    toStatus: p.text(),
    actorId: p.integer().nullable(),
    reason: p.text().nullable(),
    data: p.json<Record<string, unknown>>().nullable(),
    taskId: p.bigint('number').nullable(),
    at: p.datetime().defaultRaw('now()'),
  },
});
export type IEntityEvent = InferEntity<typeof EntityEvent>;
