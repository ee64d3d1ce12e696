import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { USER_STATUSES } from './machine.js';

export const Tenant = defineEntity({
  name: 'Tenant',
  tableName: 'tenant',
  properties: {
    id: p.integer().primary(),
    slug: p.text().unique(),
    name: p.text(),
    createdAt: p.datetime().defaultRaw('now()').onCreate(() => new Date()),
  },
});
export type ITenant = InferEntity<typeof Tenant>;

export const User = defineEntity({
  name: 'User',
  tableName: 'app_user',
  properties: {
    id: p.integer().primary(),
    tenantId: p.integer(),
    email: p.text(),
    role: p.text(),
    level: p.smallint().default(1),
    status: p.enum([...USER_STATUSES]).columnType('text').default('active'),
    firstName: p.text().nullable(),
    lastName: p.text().nullable(),
    passwordHash: p.text().nullable().hidden(),
    createdAt: p.datetime().defaultRaw('now()').onCreate(() => new Date()),
  },
});
export type IUser = InferEntity<typeof User>;
