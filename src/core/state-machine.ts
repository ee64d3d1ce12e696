import { AppError } from './errors.js';

/**
 * A state machine is data: named events, each allowed from some statuses and
 * leading to one. `fire()` is the only way a status changes; it returns the event
 * row to append to the entity's history (the audit trail).
 */
export interface MachineDefinition<S extends string, E extends string> {
  entity: string;
  statuses: readonly S[];
  final: readonly S[];
  /** `verb` words the refusal when the event is named in the past tense (`reinvited` -> "Cannot reinvite ..."). */
  events: Record<E, { from: readonly S[]; to: S; verb?: string }>;
}

export interface Machine<S extends string, E extends string> extends MachineDefinition<S, E> {
  isFinal(status: S): boolean;
  /** The status `event` leads to from `from`, or INVALID_TRANSITION (409). */
  next(from: S, event: E): S;
}

export function defineMachine<const S extends string, const E extends string>(def: MachineDefinition<S, E>): Machine<S, E> {
  for (const [name, t] of Object.entries(def.events) as [string, { from: readonly S[]; to: S }][]) {
    for (const s of [...t.from, t.to]) {
      if (!def.statuses.includes(s)) throw new Error(`${def.entity}.${name}: unknown status ${s}`);
    }
  }
  return {
    ...def,
    isFinal: (status) => def.final.includes(status),
    next(from, event) {
      const t = def.events[event];
      if (!t.from.includes(from)) {
        const article = /^[aeiou]/i.test(def.entity) ? 'an' : 'a';
        throw new AppError('INVALID_TRANSITION', `Cannot ${t.verb ?? event} ${article} ${def.entity} that is ${from}.`, {
          entity: def.entity,
          from,
          event,
          allowedFrom: [...t.from],
        });
      }
      return t.to;
    },
  };
}

/** One append-only history row: who moved what from where to where, and why. */
export interface TransitionRecord {
  entityType: string;
  entityId: number;
  event: string;
  fromStatus: string | null;
  toStatus: string;
  reason?: string | undefined;
  data?: Record<string, unknown> | undefined;
}

/** Where `fire()` puts the history rows: a worker's `ActionContext`, or a buffer the web side writes itself. */
export interface Recorder {
  record(event: TransitionRecord): void;
}

/**
 * Moves `item` along `event`: checks the table (409 INVALID_TRANSITION), sets the
 * status and appends the history row. The only place a status is assigned.
 * A creation event (one with no `from` statuses) records `from: null`; call it
 * after the item has its id (after a flush).
 */
export function fire<S extends string, E extends string>(
  ctx: Recorder,
  machine: Machine<S, E>,
  item: { id: number; status: S },
  event: E,
  opts: { reason?: string | undefined; data?: Record<string, unknown> | undefined } = {},
): S {
  const creating = machine.events[event].from.length === 0;
  const from = creating ? null : item.status;
  const to = creating ? machine.events[event].to : machine.next(item.status, event);
  item.status = to;
  ctx.record({ entityType: machine.entity, entityId: item.id, event, fromStatus: from, toStatus: to, reason: opts.reason, data: opts.data });
  return to;
}

/**
 * Records something that happened to `item` without moving it (an invitation
 * opened): a history row whose from and to are both its current status. An
 * event of the machine's table always goes through `fire()`, never here.
 */
export function note<S extends string, E extends string>(
  ctx: Recorder,
  machine: Machine<S, E>,
  item: { id: number; status: S },
  event: string,
  opts: { reason?: string | undefined; data?: Record<string, unknown> | undefined } = {},
): void {
  if (Object.hasOwn(machine.events, event)) throw new Error(`${machine.entity}.${event} moves the status: fire() it`);
  ctx.record({ entityType: machine.entity, entityId: item.id, event, fromStatus: item.status, toStatus: item.status, reason: opts.reason, data: opts.data });
}
