/** knex's own builder of a knex handle around a client (used by quick-transaction.ts; knex ships no types for it). */
declare module 'knex/lib/knex-builder/make-knex.js' {
  const makeKnex: (client: unknown) => unknown;
  export default makeKnex;
}
