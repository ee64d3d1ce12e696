import type { ActionDefinition, QueuedAction, RegisteredAction, WorkerKind } from './define-action.js';
import type { Actor, Role } from './roles.js';

/**
 * Input fields a queued action may not take: its input is stored in the task row
 * and copied into its job (Redis), so a password or token belongs to an inline
 * action (`login`, `accept_invitation`), which stores neither.
 */
const SECRET_FIELD = /pass(word|phrase)?$|token|secret/i;

/**
 * Every action by wire name. Built once from the domains' definitions (see
 * `DomainSet`); a duplicate name or a queued action taking a secret throws.
 * `roleQueue` says which worker kind runs a role's `worker: 'caller'` actions;
 * the system's own `caller` work runs on `systemKind`.
 */
export class Registry {
  private readonly byName = new Map<string, RegisteredAction>();

  constructor(
    actions: readonly ActionDefinition[],
    private readonly roleQueue: (role: Role) => WorkerKind | undefined,
    private readonly systemKind: WorkerKind,
  ) {
    for (const a of actions) {
      if (this.byName.has(a.name)) throw new Error(`duplicate action name: ${a.name}`);
      if (!/^[a-z][a-z0-9_]*$/.test(a.name)) throw new Error(`action names are snake_case: ${a.name}`);
      const secret = a.mode === 'queued' ? Object.keys((a.input as { shape?: object }).shape ?? {}).find((k) => SECRET_FIELD.test(k)) : undefined;
      if (secret) throw new Error(`${a.name} is queued, so its input is stored and copied into its job; "${secret}" looks like a secret: take it in an inline action`);
      if (a.roles === 'signed-in') throw new Error(`${a.name}: 'signed-in' must be expanded to the role list before registering (DomainSet does)`);
      this.byName.set(a.name, a as RegisteredAction);
    }
  }

  get(name: string): RegisteredAction | undefined {
    return this.byName.get(name);
  }

  list(): RegisteredAction[] {
    return [...this.byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Names callers may use over HTTP (internal actions are the system's own). */
  publicNames(): string[] {
    return this.list()
      .filter((a) => !(a.mode === 'queued' && a.internal))
      .map((a) => a.name);
  }

  queueFor(action: QueuedAction, actor: Actor): WorkerKind {
    if (action.worker !== 'caller') return action.worker;
    return (actor.kind === 'user' ? this.roleQueue(actor.role) : undefined) ?? this.systemKind;
  }
}
