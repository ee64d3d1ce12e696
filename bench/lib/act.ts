import { postJson } from './post-json.js';
import type { Posted, Target } from './target-contract.js';
import type { Connected } from './user-feed.js';

/** What a lane's action reported: the driver aggregates these per action name. */
export class Recorder {
  measuring = false;
  /** The window is over: in-flight actions still report errors and losses, not latencies. */
  closing = false;
  readonly latencies: number[] = [];
  /** POST -> HTTP reply of the same actions (the door's share of `latencies`). */
  readonly replyLatencies: number[] = [];
  readonly byAction = new Map<string, number[]>();
  completed = 0;
  /** Every completed action, warm-up and tail included (round-trip budgets divide by this). */
  all = 0;
  errors = 0;
  lost = 0;
  readonly lostIds: string[] = [];
  readonly errorCodes = new Map<string, number>();
  /** Answered with a 429 (back-pressure), counted apart from errors. */
  throttled = 0;

  error(code: string): void {
    if (!this.measuring) return;
    this.errors++;
    this.errorCodes.set(code, (this.errorCodes.get(code) ?? 0) + 1);
  }
}

export interface Act {
  (conn: Connected, action: string, data: unknown): Promise<unknown>;
}

export class ActionFailed extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

/** Post an action and wait for its result on the user's websocket; records latency/errors/lost. */
export function makeAct(target: Target, rec: Recorder, resultTimeoutMs: number): Act {
  return async (conn, action, data) => {
    const measuring = rec.measuring;
    const { path, body } = target.request(conn.user, action, data);
    const t0 = performance.now();
    let posted: Posted;
    try {
      const res = await postJson(target.baseUrl + path, body);
      posted = target.parsePosted(res.status, res.body, res.headers);
    } catch (err) {
      if (measuring) rec.error(`HTTP ${(err as Error).message}`);
      throw new ActionFailed('HTTP');
    }
    if (posted.status === 429) {
      if (measuring) rec.throttled++;
      throw new ActionFailed('RATE_LIMITED');
    }
    if (posted.status !== 202 || !posted.id) {
      if (measuring) rec.error(`${posted.status} ${posted.code ?? ''}`.trim());
      throw new ActionFailed(posted.code ?? String(posted.status));
    }
    const replied = performance.now() - t0;
    const outcome = await conn.feed.wait(posted.id, resultTimeoutMs);
    const ms = performance.now() - t0;
    if (!outcome) {
      if (measuring) {
        rec.lost++;
        if (rec.lostIds.length < 20) rec.lostIds.push(`${posted.id}@${conn.feed.lastSeq}`);
      }
      throw new ActionFailed('LOST');
    }
    if (!outcome.ok) {
      if (measuring) rec.error(outcome.code ?? 'failed');
      throw new ActionFailed(outcome.code ?? 'failed');
    }
    rec.all++;
    if (measuring && rec.measuring && !rec.closing) {
      rec.completed++;
      rec.latencies.push(ms);
      rec.replyLatencies.push(replied);
      let list = rec.byAction.get(action);
      if (!list) rec.byAction.set(action, (list = []));
      list.push(ms);
    }
    return outcome.result;
  };
}
