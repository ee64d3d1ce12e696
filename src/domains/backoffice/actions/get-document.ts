import { getItemAction } from './get-item.js';

export const getDocument = getItemAction('document', 'a');
