/**
 * The load driver. A *target* (bureau or the baseline) says how to post an
 * action and how to read its result off a user's websocket; the driver runs
 * closed-loop lanes (post, wait for the result on the websocket, repeat) or an
 * open loop (post at a fixed rate without waiting) and measures POST ->
 * websocket-result latency.
 */
export { ActionFailed, makeAct, Recorder, type Act } from './act.js';
export { closedLoop, mergeClosed, type ClosedResult } from './closed-loop.js';
export { latencyStats, type LatencyStats } from './latency-stats.js';
export { openLoop, type OpenResult } from './open-loop.js';
export { postJson } from './post-json.js';
export type { Outcome, Posted, Target, UserSlot } from './target-contract.js';
export { connectUsers, UserFeed, type Connected } from './user-feed.js';
