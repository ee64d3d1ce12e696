import { Migration20261124000000 } from './Migration20261124000000.js';
import { Migration20261124130000 } from './Migration20261124130000.js';
import { Migration20261124141500 } from './Migration20261124141500.js';
import { Migration20261124145100 } from './Migration20261124145100.js';
import { Migration20261206120000 } from './Migration20261206120000.js';
import { Migration20261206130000 } from './Migration20261206130000.js';
import { Migration20261206140000 } from './Migration20261206140000.js';
import { Migration20261206150000 } from './Migration20261206150000.js';
import { Migration20261206160000 } from './Migration20261206160000.js';
import { Migration20261207100000 } from './Migration20261207100000.js';

/**
 * Every migration, in order. MikroORM runs exactly this list (no file globbing,
 * so it works the same under tsx, node and bundlers); a test checks that every
 * file in this folder is listed here.
 */
export const migrationsList = [
  { name: 'Migration20261124000000', class: Migration20261124000000 },
  { name: 'Migration20261124130000', class: Migration20261124130000 },
  { name: 'Migration20261124141500', class: Migration20261124141500 },
  { name: 'Migration20261124145100', class: Migration20261124145100 },
  { name: 'Migration20261206120000', class: Migration20261206120000 },
  { name: 'Migration20261206130000', class: Migration20261206130000 },
  { name: 'Migration20261206140000', class: Migration20261206140000 },
  { name: 'Migration20261206150000', class: Migration20261206150000 },
  { name: 'Migration20261206160000', class: Migration20261206160000 },
  { name: 'Migration20261207100000', class: Migration20261207100000 },
];
