import { defineDomain } from '../../core/define-domain.js';
import { backofficeActions } from './actions.js';
import { backofficeDemo } from './demo.js';
import { Customer, Document, Inquiry, Transfer } from './entities.js';
import { customerFixture, itemFixture } from './fixtures.js';
import { documentMachine, inquiryMachine, transferMachine } from './machines.js';

/** Seed 001: customers, documents and transfers reviewed by Compliance, inquiries answered by Service, by level. */
export const backofficeDomain = defineDomain({
  name: 'backoffice',
  summary: 'Customers, documents, transfers and inquiries, reviewed and answered by level (seed 001).',
  roles: ['compliance', 'service'],
  workerKinds: ['admin', 'compliance', 'service'],
  roleQueues: { admin: 'admin', compliance: 'compliance', service: 'service' },
  actions: backofficeActions,
  entities: [Customer, Document, Transfer, Inquiry],
  machines: [documentMachine, transferMachine, inquiryMachine],
  idKinds: {
    customer: { fixture: customerFixture, messageWord: 'customer', refKeys: ['customerId', 'cid'], listKeys: ['customers'] },
    document: { fixture: itemFixture('document'), typed: true, listKeys: ['documents'], messageWord: 'document' },
    transfer: { fixture: itemFixture('transfer'), typed: true, listKeys: ['transfers'], messageWord: 'transfer' },
    inquiry: { fixture: itemFixture('inquiry'), typed: true, listKeys: ['inquiries'], messageWord: 'inquiry' },
  },
  demo: backofficeDemo,
  callers: {
    tenants: { own: 'acme', other: 'globex' },
    roles: {
      admin: { caller: 'admin', other: 'compliance2' },
      compliance: { caller: 'compliance3', other: 'compliance2' },
      service: { caller: 'service3', other: 'service2' },
    },
  },
});
