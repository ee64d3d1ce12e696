import { Cluster } from 'ioredis';
import { createRedis, mastersOf } from './redis-connection.js';

/** Deletes every Redis key under `prefix:` (a queue prefix a test or bench run made for itself). */
export async function dropRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = createRedis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    if (redis instanceof Cluster && redis.status !== 'ready') await new Promise<void>((resolve, reject) => (redis.once('ready', resolve), redis.once('error', reject)));
    // SCAN walks one node: on a cluster, every master (keys deleted one per command: a node holds many slots).
    for (const node of mastersOf(redis)) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await (redis instanceof Cluster ? node.pipeline(keys.map((k) => ['del', k])).exec() : node.del(...keys));
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}
