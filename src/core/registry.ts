import { type ActionDefinition, type QueuedAction, type WorkerKind } from './define-action.js';
import type { Actor, Role } from './roles.js';

/** The queue each role's own work runs on (`worker: 'caller'`). */
const ROLE_QUEUE: Record<Role, WorkerKind> = { admin: 'admin', compliance: 'compliance', service: 'service' };

/** Every action by wire name. Built once from the domains' definitions; a duplicate name throws. */
export class Registry {
  private readonly byName = new Map<string, ActionDefinition>();

  constructor(actions: readonly ActionDefinition[]) {
    for (const a of actions) {
      if (this.byName.has(a.name)) throw new Error(`duplicate action name: ${a.name}`);
      if (!/^[a-z][a-z0-9_]*$/.test(a.name)) throw new Error(`action names are snake_case: ${a.name}`);
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
