import type { Faker } from '@faker-js/faker';
import type { Config } from '../config.js';
import type { Db } from './context.js';
import type { ActionDefinition, WorkerKind } from './define-action.js';
import type { Role } from './roles.js';
import type { Machine, Recorder } from './state-machine.js';

/**
 * A domain is a folder under `src/domains/<name>/` with one manifest
 * (`index.ts`) that says everything the rest of bureau needs to know of it.
 * `src/domains.ts` lists the manifests once; the registry, the ORM's entity
 * list, the roles and their queues, the worker kinds, the demo data, the
 * authorization matrix and the sequence log's id names are all derived from
 * that list (`DomainSet`). The core names no domain, role or worker kind.
 */
export interface DomainManifest {
  /** snake_case, unique. */
  name: string;
  summary: string;
  /** The roles this domain brings (a tenant using the domain may give them to its users). */
  roles?: readonly Role[];
  /** Every tenant uses this domain (and so has its roles): the accounts domain, with the tenant's `admin`. */
  everyTenant?: boolean;
  /** The worker kinds (queues, Procfile lines) this domain brings. */
  workerKinds?: readonly WorkerKind[];
  /**
   * role -> the worker kind that runs that role's `worker: 'caller'` actions.
   * A role may be mapped by one domain only (it need not be the domain that
   * declares the role: the tenant's `admin` role is the accounts domain's).
   */
  roleQueues?: Readonly<Record<Role, WorkerKind>>;
  actions?: readonly ActionDefinition[];
  /** MikroORM `defineEntity` schemas. */
  entities?: readonly object[];
  machines?: readonly Machine<string, string>[];
  /** The kinds of ids this domain's actions take (`access.ids` values), with how tests make one. */
  idKinds?: Readonly<Record<string, IdKindSpec>>;
  demo?: DemoSet;
  /** Who acts in the authorization matrix and the fuzzer for this domain's actions and roles. */
  callers?: CallerSpec;
}

/** One kind of id: what the authz matrix makes for it, and how the sequence log names it. */
export interface IdKindSpec {
  /**
   * Writes a fresh row of this kind for one matrix cell: of `tenantId`, owned by
   * `ownerId` the way the kind knows ownership, carrying `mark` in a text field
   * so a leak to another tenant shows in any reply or websocket message.
   */
  fixture?: (scope: FixtureScope) => Promise<number>;
  /** Keys that hold an id of this kind anywhere in a result (`customerId`, `cid`). */
  refKeys?: readonly string[];
  /** Result keys whose value is a list of rows of this kind (`documents`). */
  listKeys?: readonly string[];
  /** Rows of this kind carry `type: '<kind>'` in results. */
  typed?: boolean;
  /** Messages name such a row as `<word> <id>` (`Task 12`, `customer 4`). */
  messageWord?: string;
}

export interface FixtureScope {
  /** Raw SQL (`$1` placeholders) on the test database, outside any transaction. */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  tenantId: number;
  tenantSlug: string;
  ownerId: number;
  /** A string unique to this row, naming its tenant (`LEAKMARK-acme-12`). */
  mark: string;
}

/**
 * Demo logins used by the authorization matrix and the fuzzer: for each role,
 * a user who acts (`caller`) and another user of the same tenant whose rows are
 * "another user's" (`other`), in two demo tenants (`own`, `other`). Emails are
 * `<local>@<tenant slug>.test`.
 */
export interface CallerSpec {
  tenants: { own: string; other: string };
  roles: Readonly<Record<Role, { caller: string; other: string }>>;
}

/** A demo tenant a domain fills (creating it when it does not exist yet). */
export interface DemoTenant {
  slug: string;
  name: string;
}

/**
 * A domain's demo data. `load` runs once per missing (domain, tenant) pair,
 * inside one transaction, after the tenant exists and has this domain's roles:
 * so adding a domain never changes another domain's rows or ids. Each domain
 * gets its own Faker, seeded from `seed`, fed its tenants in list order.
 */
export interface DemoSet {
  tenants: readonly DemoTenant[];
  /** The local parts of the demo logins it makes in each tenant (printed at start; their password follows BUREAU_DEMO_PASSWORD). */
  users: readonly string[];
  seed: number;
  load(ctx: DemoContext, tenant: DemoTenant & { id: number }): Promise<void>;
}

export interface DemoContext extends Db {
  /**
   * The demo transaction as `actorId` (null: the system) for `fire()` and for
   * services that take `Db & Recorder`: the events recorded through it are
   * written with that actor at the end of the set's load.
   */
  as(actorId: number | null): Db & Recorder;
  faker: Faker;
  /** The demo users' password, already hashed (argon2id). */
  passwordHash: string;
  /** bureau's config, for timers the demo rows start (SLA delays...). */
  config: Config;
  now(): Date;
  /** Records a system task (a timer) of the tenant, as `ctx.enqueue` does in a handler: it reaches its queue through the outbox. */
  enqueue(tenantId: number, action: string, input: unknown, options: { delayMs?: number; key?: string }): Promise<void>;
}

export function defineDomain<const M extends DomainManifest>(manifest: M): M {
  return manifest;
}

/** The login of a demo user. */
export const demoEmail = (local: string, tenantSlug: string): string => `${local}@${tenantSlug}.test`;
