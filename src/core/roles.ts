/**
 * A role a user of a tenant may hold. Roles belong to domains: each domain's
 * manifest (`src/domains/<name>/index.ts`) declares the roles it brings, and a
 * tenant has the roles of the domains it uses (the `tenant_role` table, which
 * `app_user.role` references). The core knows no role by name.
 */
export type Role = string;

export const LEVELS = [1, 2, 3] as const;
export type Level = (typeof LEVELS)[number];
export const MAX_LEVEL: Level = 3;

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
