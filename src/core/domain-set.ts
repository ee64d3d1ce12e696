import { z } from 'zod';
import type { ActionDefinition, WorkerKind } from './define-action.js';
import type { CallerSpec, DomainManifest, IdKindSpec } from './define-domain.js';
import { Registry } from './registry.js';
import type { Role } from './roles.js';
import type { Machine } from './state-machine.js';

/** Where a role's callers live for one domain's actions (authz matrix, fuzzer). */
export interface Callers {
  tenants: { own: string; other: string };
  caller: string;
  other: string;
}

/** How the sequence log names the ids of the rows a sequence makes. */
export interface RowKinds {
  /** The id kind an action's result is about (`get_customer` -> `customer`), or null. */
  resultKindOf(action: string): string | null;
  /** The id kind of the row an action creates (`create_customer` -> `customer`), or null. */
  createdBy(action: string): string | null;
  /** Kinds whose rows carry `type: '<kind>'`. */
  typed: ReadonlySet<string>;
  /** Result key -> the kind of the rows listed under it (`documents` -> `document`). */
  listKeys: Readonly<Record<string, string>>;
  /** Word in messages -> kind (`Task` -> `task`). */
  messageWords: Readonly<Record<string, string>>;
  /** Key holding an id -> its kind (`customerId` -> `customer`). */
  refKeys: Readonly<Record<string, string>>;
}

/**
 * Everything derived from the one list of domains. Built once at boot; a
 * manifest that contradicts another (a role, worker kind, id kind or action
 * declared twice, an action naming an unknown role or worker kind, a role with
 * `caller` actions but no queue) throws with the domain's name.
 */
export class DomainSet {
  readonly roles: readonly Role[];
  readonly workerKinds: readonly WorkerKind[];
  readonly entities: readonly object[];
  readonly machines: readonly Machine<string, string>[];
  readonly idKinds: Readonly<Record<string, IdKindSpec & { domain: string }>>;
  readonly registry: Registry;
  private readonly roleQueue = new Map<Role, WorkerKind>();
  private readonly roleHome = new Map<Role, string>();
  private readonly actionHome = new Map<string, string>();

  /** `systemKind`: the worker kind of maintenance jobs and timers, which some domain must declare. */
  constructor(
    readonly list: readonly DomainManifest[],
    readonly systemKind: WorkerKind,
  ) {
    const names = new Set<string>();
    const roles: Role[] = [];
    const kinds: WorkerKind[] = [];
    const idKinds: Record<string, IdKindSpec & { domain: string }> = {};
    for (const d of list) {
      if (!/^[a-z][a-z0-9_]*$/.test(d.name)) throw new Error(`domain names are snake_case: ${d.name}`);
      if (names.has(d.name)) throw new Error(`domain ${d.name} is listed twice`);
      names.add(d.name);
      for (const r of d.roles ?? []) {
        if (this.roleHome.has(r)) throw new Error(`role ${r} is declared by both ${this.roleHome.get(r)} and ${d.name}`);
        this.roleHome.set(r, d.name);
        roles.push(r);
      }
      for (const k of d.workerKinds ?? []) {
        if (kinds.includes(k)) throw new Error(`${d.name}: worker kind ${k} is declared twice`);
        kinds.push(k);
      }
      for (const [k, spec] of Object.entries(d.idKinds ?? {})) {
        if (idKinds[k]) throw new Error(`${d.name}: id kind ${k} is already declared by ${idKinds[k].domain}`);
        idKinds[k] = { ...spec, domain: d.name };
      }
    }
    for (const d of list) {
      for (const [role, kind] of Object.entries(d.roleQueues ?? {})) {
        if (!this.roleHome.has(role)) throw new Error(`${d.name}: roleQueues names unknown role ${role}`);
        if (!kinds.includes(kind)) throw new Error(`${d.name}: roleQueues sends ${role} to unknown worker kind ${kind}`);
        if (this.roleQueue.has(role)) throw new Error(`${d.name}: role ${role} already has a queue (${this.roleQueue.get(role)})`);
        this.roleQueue.set(role, kind);
      }
      for (const a of d.actions ?? []) this.actionHome.set(a.name, d.name);
    }
    if (!kinds.includes(systemKind)) throw new Error(`no domain declares the system worker kind ${systemKind}`);
    this.roles = roles;
    this.workerKinds = kinds;
    this.idKinds = idKinds;
    this.entities = list.flatMap((d) => d.entities ?? []);
    this.machines = list.flatMap((d) => d.machines ?? []);
    const actions = list.flatMap((d) => (d.actions ?? []).map((a) => this.resolve(d.name, a)));
    this.registry = new Registry(actions, (role) => this.roleQueue.get(role), systemKind);
  }

  /** Expands `signed-in`, and checks the action's roles, worker kind and id kinds against the manifests. */
  private resolve(domain: string, a: ActionDefinition): ActionDefinition {
    const where = `${domain}.${a.name}`;
    const roles = a.roles === 'signed-in' ? this.roles : a.roles;
    if (roles !== 'public') for (const r of roles) if (!this.roleHome.has(r)) throw new Error(`${where}: unknown role ${r}`);
    for (const k of Object.values(a.access.ids)) if (typeof k === 'string' && !this.idKinds[k]) throw new Error(`${where}: access.ids names unknown id kind ${k}`);
    if (a.creates && !this.idKinds[a.creates]) throw new Error(`${where}: creates unknown id kind ${a.creates}`);
    if (a.mode === 'queued') {
      if (a.worker === 'caller') {
        for (const r of roles === 'public' ? [] : roles) if (!this.roleQueue.has(r)) throw new Error(`${where}: runs on the caller's queue, but role ${r} has none (roleQueues)`);
      } else if (!this.workerKinds.includes(a.worker)) throw new Error(`${where}: unknown worker kind ${a.worker}`);
    }
    let input = a.input;
    if (a.roleFields?.length) {
      const shape = (input as { shape?: Record<string, unknown> }).shape;
      const extend = (input as { extend?: (s: Record<string, z.ZodType>) => z.ZodType }).extend;
      if (!shape || !extend) throw new Error(`${where}: roleFields needs an object input`);
      const all = this.roles as [string, ...string[]];
      input = extend.call(input, Object.fromEntries(a.roleFields.map((f) => [f, (shape[f] as z.ZodType | undefined)?.isOptional() ? z.enum(all).optional() : z.enum(all)])));
    }
    return { ...a, roles, input } as ActionDefinition;
  }

  /** Roles every tenant has, and the roles each domain brings to the tenants that use it. */
  tenantRoles(domain: string): { role: Role; domain: string }[] {
    const of = (d: DomainManifest) => (d.roles ?? []).map((role) => ({ role, domain: d.name }));
    return [...this.list.filter((d) => d.everyTenant).flatMap(of), ...this.list.filter((d) => d.name === domain && !d.everyTenant).flatMap(of)];
  }

  /** The domain that declares an action (for its callers and docs). */
  domainOf(action: string): string | undefined {
    return this.actionHome.get(action);
  }

  /** The worker kind that runs a role's `caller` actions. */
  queueOfRole(role: Role): WorkerKind | undefined {
    return this.roleQueue.get(role);
  }

  /** The domain that declares a role. */
  homeOf(role: Role): string | undefined {
    return this.roleHome.get(role);
  }

  /**
   * Who plays `role` for the actions of `domain`: the domain's own callers when
   * it names one for that role, else those of the domain that declares the role.
   */
  callersFor(role: Role, domain?: string): Callers | null {
    const pick = (spec: CallerSpec | undefined) => {
      const c = spec?.roles[role];
      return spec && c ? { tenants: spec.tenants, caller: c.caller, other: c.other } : null;
    };
    const own = domain ? pick(this.list.find((d) => d.name === domain)?.callers) : null;
    return own ?? pick(this.list.find((d) => d.name === this.roleHome.get(role))?.callers);
  }

  /** The vocabulary the sequence log uses to name ids (`<customer:1>`). */
  rowKinds(): RowKinds {
    const typed = new Set<string>();
    const listKeys: Record<string, string> = {};
    const messageWords: Record<string, string> = {};
    const refKeys: Record<string, string> = {};
    for (const [kind, spec] of Object.entries(this.idKinds)) {
      if (spec.typed) typed.add(kind);
      for (const key of spec.listKeys ?? []) listKeys[key] = kind;
      if (spec.messageWord) messageWords[spec.messageWord] = kind;
      for (const key of spec.refKeys ?? []) refKeys[key] = kind;
    }
    const about = new Map<string, string>();
    const made = new Map<string, string>();
    for (const a of this.registry.list()) {
      const kind = a.creates ?? (typeof a.access.ids.id === 'string' ? a.access.ids.id : undefined);
      if (kind) about.set(a.name, kind);
      if (a.creates) made.set(a.name, a.creates);
    }
    return { resultKindOf: (action) => about.get(action) ?? null, createdBy: (action) => made.get(action) ?? null, typed, listKeys, messageWords, refKeys };
  }
}
