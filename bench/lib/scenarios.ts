import type { Act, Connected } from './load.js';

/** The baseline's closed-loop scenario: one create_customer per turn. */
export function baseScenario(act: Act, conn: Connected): Promise<void> {
  return act(conn, 'create_customer', { name: `Base ${Math.random().toString(36).slice(2, 10)}` }).then(() => undefined);
}

/** bureau's closed-loop scenario: one create_customer per turn. */
export function createScenario(act: Act, conn: Connected): Promise<void> {
  return act(conn, 'create_customer', { name: `Bench ${Math.random().toString(36).slice(2, 10)}` }).then(() => undefined);
}
