import { domains } from './domains.js';

/** Every entity the ORM knows: each domain's, from its manifest. */
export const entities = domains.entities;
