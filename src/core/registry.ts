import { type ActionDefinition, type QueuedAction, type WorkerKind } from './define-action.js';
import type { Actor, Role } from './roles.js';

/** The queue each role's own work runs on (`worker: 'caller'`). */
const ROLE_QUEUE: Record<Role, WorkerKind> = { admin: 'admin', compliance: 'compliance', service: 'service' };

/**
 * Input fields a queued action may not take: its input is stored in the task row
 * and copied into its job (Redis), so a password or token belongs to an inline
 * action (`login`, `accept_invitation`), which stores neither.
 */
const SECRET_FIELD = /pass(word|phrase)?$|token|secret/i;

/** Every action by wire name. Built once from the domains' definitions; a duplicate name or a queued action taking a secret throws. */
export class Registry {
  private readonly byName = new Map<string, ActionDefinition>();

  constructor(actions: readonly ActionDefinition[]) {
    for (const a of actions) {
      if (this.byName.has(a.name)) throw new Error(`duplicate action name: ${a.name}`);
      if (!/^[a-z][a-z0-9_]*$/.test(a.name)) throw new Error(`action names are snake_case: ${a.name}`);
      const secret = a.mode === 'queued' ? Object.keys((a.input as { shape?: object }).shape ?? {}).find((k) => SECRET_FIELD.test(k)) : undefined;
      if (secret) throw new Error(`${a.name} is queued, so its input is stored and copied into its job; "${secret}" looks like a secret: take it in an inline action`);
      this.byName.set(a.name, a);
    }
  }

  get(name: string): ActionDefinition | undefined {
    return this.byName.get(name);
  }

  list(): ActionDefinition[] {
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
    return actor.kind === 'user' ? ROLE_QUEUE[actor.role] : 'system';
  }
}
