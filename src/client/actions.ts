import type { z } from 'zod';
import type { DOMAINS } from '../domains.js';

/**
 * The actions' types, derived from the domain list (type-only: nothing of the
 * server is bundled): a domain appended to `DOMAINS` is typed here with no edit.
 * `data` is what the action's schema accepts, `result` what its handler returns.
 */
type ActionsOf<D> = D extends { actions: readonly (infer A)[] } ? A : never;
type AnyAction = ActionsOf<(typeof DOMAINS)[number]>;

/** Every action callable over HTTP (internal ones are refused at the door as UNKNOWN_ACTION). */
export type ActionName = Exclude<AnyAction, { internal: true }>['name'];
type ActionNamed<N extends ActionName> = Extract<AnyAction, { name: N }>;
export type DataOf<N extends ActionName> = z.input<ActionNamed<N>['input']>;
export type ResultOf<N extends ActionName> = Awaited<ReturnType<ActionNamed<N>['handler']>>;
