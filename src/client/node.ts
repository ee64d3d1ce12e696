import WebSocket, { type ClientOptions } from 'ws';
import { BureauClient as BaseClient, type BureauClientOptions } from './bureau-client.js';
import { FeedClient as BaseFeed, type FeedClientOptions, type SocketFactory, type SocketLike } from './feed.js';

/**
 * bureau's client in Node (`bureau/client`): the browser client with its
 * websockets opened by `ws` (Node 20 has no global WebSocket). See docs/client.md.
 */
export * from './index.js';

/** Opens websockets with `ws` (`origin`, headers, agent... in `options`). */
export function nodeSocket(options: ClientOptions = {}): SocketFactory {
  return (url) => new WebSocket(url, options) as unknown as SocketLike;
}

export class BureauClient extends BaseClient {
  constructor(opts: BureauClientOptions) {
    super({ socket: nodeSocket(), ...opts });
  }
}

export class FeedClient extends BaseFeed {
  constructor(opts: FeedClientOptions) {
    super({ socket: nodeSocket(), ...opts });
  }
}
