/** What the load driver needs from a target (bureau or the baseline): how to post an action and read its result. */
import type http from 'node:http';

export interface Posted {
  status: number;
  /** The task id to wait for (202 only). */
  id?: string;
  code?: string;
  retryAfter?: string;
}

export interface Outcome {
  ok: boolean;
  code?: string;
  result?: unknown;
}

export interface UserSlot {
  /** The label used in per-user stats. */
  name: string;
  /** Whatever the target needs: a token, a user id... */
  auth: Record<string, unknown>;
}

export interface Target {
  name: string;
  baseUrl: string;
  /** Websocket URL and the first message to send (null: none), resuming after `lastSeq`. */
  wsFor(user: UserSlot, lastSeq: number): { url: string; hello: unknown };
  /** Pulls the task id and outcome out of a websocket message, or null when it is not a final result. */
  parseResult(message: unknown): { id: string; outcome: Outcome } | null;
  /** Path and body of an action's POST. */
  request(user: UserSlot, action: string, data: unknown): { path: string; body: unknown };
  /** Reads the POST's reply. */
  parsePosted(status: number, body: unknown, headers: http.IncomingHttpHeaders): Posted;
  /** The user's result feed through the target's own client (bureau: `src/client/`); without it, a plain websocket (`UserFeed`). */
  openFeed?(user: UserSlot): Promise<ResultFeed>;
}

/** One user's results by task id, including results that arrive before their POST returns. */
export interface ResultFeed {
  /** The outcome of task `id`, or null after `ms`. */
  wait(id: string, ms: number): Promise<Outcome | null>;
  /** Highest feed seq seen (bureau). */
  readonly lastSeq: number;
  readonly reconnects: number;
  close(): void;
}
