import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { INQUIRY_STATUSES, REVIEW_STATUSES } from './machines.js';

export const Customer = defineEntity({
  name: 'Customer',
  tableName: 'customer',
  properties: {
    id: p.integer().primary(),
    tenantId: p.integer(),
    name: p.text(),
    createdBy: p.integer().nullable(),
    createdAt: p.datetime().defaultRaw('now()').onCreate(() => new Date()),
  },
});
export type ICustomer = InferEntity<typeof Customer>;

/** Columns every reviewable item shares: who must work it, who took it, who decided. */
const workItem = {
  id: p.integer().primary(),
  tenantId: p.integer(),
  customerId: p.integer(),
  level: p.smallint(),
  takenBy: p.integer().nullable(),
  decidedBy: p.integer().nullable(),
  createdBy: p.integer().nullable(),
  createdAt: p.datetime().defaultRaw('now()').onCreate(() => new Date()),
  updatedAt: p.datetime().defaultRaw('now()').onCreate(() => new Date()).onUpdate(() => new Date()),
};

export const Document = defineEntity({
  name: 'Document',
  tableName: 'document',
  properties: {
    ...workItem,
    content: p.text(),
    status: p.enum([...REVIEW_STATUSES]).columnType('text'),
  },
});
export type IDocument = InferEntity<typeof Document>;

export const Transfer = defineEntity({
  name: 'Transfer',
  tableName: 'transfer',
  properties: {
    ...workItem,
    /** Money is integer cents, never a float. */
    amountCents: p.bigint('number'),
    status: p.enum([...REVIEW_STATUSES]).columnType('text'),
  },
});
export type ITransfer = InferEntity<typeof Transfer>;

export const Inquiry = defineEntity({
  name: 'Inquiry',
  tableName: 'inquiry',
  properties: {
    ...workItem,
    problem: p.text(),
    answer: p.text().nullable(),
    status: p.enum([...INQUIRY_STATUSES]).columnType('text'),
  },
});
export type IInquiry = InferEntity<typeof Inquiry>;
