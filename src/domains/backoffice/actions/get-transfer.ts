import { getItemAction } from './get-item.js';

export const getTransfer = getItemAction('transfer', 'a');
