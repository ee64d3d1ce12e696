import { getItemAction } from './get-item.js';

export const getInquiry = getItemAction('inquiry', 'an');
