import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

/**
 * The one place bureau makes a Redis client. A plain `redis://` (or `rediss://`)
 * URL gives an ioredis `Redis`; a `redis+cluster://host:port,host:port` URL
 * (what `REDIS_CLUSTER_NODES` becomes in the config) gives an ioredis `Cluster`
 * seeded with those nodes, which finds the rest of the cluster by itself.
 * Queues, the result fan-out, the rate-limit store and Bull Board all take
 * either (BullMQ and rate-limiter-flexible accept a `Cluster`).
 *
 * On a cluster every key of one queue must hash to one slot: the queue prefix
 * carries a hash tag (`{bureau}`: src/config.ts adds it on a cluster; docs/scaling.md).
 */
export type RedisClient = Redis | Cluster;

const CLUSTER_SCHEME = 'redis+cluster:';

export function isClusterUrl(url: string): boolean {
  return url.startsWith(`${CLUSTER_SCHEME}//`);
}

/** `redis+cluster://` followed by the comma-separated seed nodes. */
export function clusterUrl(nodes: readonly string[]): string {
  return `${CLUSTER_SCHEME}//${nodes.join(',')}`;
}

/**
 * The seed nodes of a `redis+cluster://[user:password@]host:port,host:port` URL,
 * and its credentials, if any (applied to every node).
 */
export function parseClusterUrl(url: string): { nodes: { host: string; port: number }[]; username?: string; password?: string } {
  let rest = url.slice(`${CLUSTER_SCHEME}//`.length).replace(/\/.*$/, '');
  let username: string | undefined;
  let password: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const auth = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = auth.indexOf(':');
    username = decodeURIComponent(colon >= 0 ? auth.slice(0, colon) : '') || undefined;
    password = decodeURIComponent(colon >= 0 ? auth.slice(colon + 1) : auth) || undefined;
  }
  const nodes = rest
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((hp) => {
      const i = hp.lastIndexOf(':');
      const host = (i >= 0 ? hp.slice(0, i) : hp).replace(/^\[|\]$/g, '');
      const port = i >= 0 ? Number(hp.slice(i + 1)) : 6379;
      if (!host || !Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`a Redis Cluster node must be host:port, got "${hp}"`);
      return { host, port };
    });
  if (!nodes.length) throw new Error('a Redis Cluster URL needs at least one host:port');
  return { nodes, ...(username ? { username } : {}), ...(password ? { password } : {}) };
}

/**
 * A Redis client for `url`. `options` are per-connection options (for a
 * cluster they apply to every node's connection, as `redisOptions`); options a
 * `Cluster` takes itself (`enableOfflineQueue`, `lazyConnect`) are passed to it too.
 */
export function createRedis(url: string, options: RedisOptions = {}): RedisClient {
  if (!isClusterUrl(url)) return new Redis(url, options);
  const { nodes, username, password } = parseClusterUrl(url);
  const clusterOptions: ClusterOptions = {
    redisOptions: { ...options, ...(username ? { username } : {}), ...(password ? { password } : {}) },
    // A master that went away and came back (or failed over) moves slots: follow MOVED/ASK and refresh the map.
    slotsRefreshTimeout: 2000,
    retryDelayOnClusterDown: 300,
    retryDelayOnFailover: 200,
    retryDelayOnTryAgain: 200,
    // Keep retrying to reach the cluster, as a single `Redis` does by default.
    clusterRetryStrategy: (times: number) => Math.min(100 + times * 200, 2000),
    // A master that restarts on its address without any slot change (no replica took over) is reconnected to,
    // not left ended in the pool with the commands for its slots waiting.
    clusterNodeRetryStrategy: (times: number) => Math.min(100 * times, 2000),
  };
  if (options.enableOfflineQueue !== undefined) clusterOptions.enableOfflineQueue = options.enableOfflineQueue;
  if (options.lazyConnect !== undefined) clusterOptions.lazyConnect = options.lazyConnect;
  if (options.enableReadyCheck !== undefined) clusterOptions.enableReadyCheck = options.enableReadyCheck;
  return new Cluster(nodes, clusterOptions);
}

/** Every master of a cluster (for SCAN, which walks one node), or the client itself. */
export function mastersOf(client: RedisClient): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client];
}
