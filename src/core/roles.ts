/**
 * Roles a user of a tenant may hold. Later domains add theirs here (guest,
 * provider, coordinator, designer...); an action names the roles that may run it.
 */
export const ROLES = ['admin', 'compliance', 'service'] as const;
export type Role = (typeof ROLES)[number];

export const LEVELS = [1, 2, 3] as const;
export type Level = (typeof LEVELS)[number];
export const MAX_LEVEL: Level = 3;

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Who is acting: a signed-in user, or the system (timers, reconcilers). */
export type Actor =
  | { kind: 'user'; id: number; tenantId: number; role: Role; level: Level; email: string }
  | { kind: 'system'; tenantId: number };

export function actorId(actor: Actor): number | null {
  return actor.kind === 'user' ? actor.id : null;
}

export function assertExhaustive(value: never): never {
  throw new Error(`unhandled case: ${String(value)}`);
}
