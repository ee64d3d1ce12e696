/**
 * bureau's client for the browser (and any runtime with a global WebSocket and
 * fetch): `bureau/client` in a browser bundle. Node gets `./node.ts`, the same
 * with `ws`. See docs/client.md.
 */
export { BureauClient, BureauError, isTaskReply, type BureauClientOptions, type Reply } from './bureau-client.js';
export { FeedClient, FeedError, type FeedClientOptions, type FeedMessage, type FeedResult, type FeedState, type FeedTask, type SocketFactory, type SocketLike } from './feed.js';
export type { ActionName, DataOf, ResultOf } from './actions.js';
