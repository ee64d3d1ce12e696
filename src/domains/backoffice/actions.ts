import { createCustomer } from './actions/create-customer.js';
import { createDocument } from './actions/create-document.js';
import { createInquiry } from './actions/create-inquiry.js';
import { createTransfer } from './actions/create-transfer.js';
import { escalateTask } from './actions/escalate-task.js';
import { getCustomer } from './actions/get-customer.js';
import { getDocument } from './actions/get-document.js';
import { getInquiry } from './actions/get-inquiry.js';
import { getTask } from './actions/get-task.js';
import { getTransfer } from './actions/get-transfer.js';
import { listCustomers } from './actions/list-customers.js';
import { listQueue } from './actions/list-queue.js';
import { respondInquiry } from './actions/respond-inquiry.js';
import { reviewDocument } from './actions/review-document.js';
import { reviewTransfer } from './actions/review-transfer.js';
import { slaEscalate } from './actions/sla-escalate.js';

/** The seed-001 back office: one action per file under actions/. */
export const backofficeActions = [
  getCustomer,
  getDocument,
  getTransfer,
  getInquiry,
  createCustomer,
  createDocument,
  createTransfer,
  createInquiry,
  reviewDocument,
  reviewTransfer,
  getTask,
  respondInquiry,
  escalateTask,
  listQueue,
  listCustomers,
  slaEscalate,
];
