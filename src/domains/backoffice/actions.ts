import { getCustomer } from './actions/get-customer.js';
import { getDocument } from './actions/get-document.js';
import { getInquiry } from './actions/get-inquiry.js';
import { getTransfer } from './actions/get-transfer.js';
import { createCustomer } from './actions/create-customer.js';
import { createDocument, createInquiry, createTransfer } from './actions/create-items.js';
import { escalateTask, getTask, listQueue, respondInquiry, reviewDocument, reviewTransfer, slaEscalate } from './actions/work-items.js';

/** The seed-001 back office. */
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
  slaEscalate,
];
