import { createRedis, type RedisClient } from './redis-connection.js';
import pg from 'pg';
import type { Config } from '../config.js';
import type { Logger } from './logger.js';

/**
 * Where rate-limit counters live, so that every web process counts the same
 * attempts: Redis when bureau has one, else the `rate_limit` table of its
 * PostgreSQL; `memory` (one process only) is for tests that build an app alone.
 */
export type RateLimitStore =
  | { kind: 'redis'; client: RedisClient; prefix: string }
  | { kind: 'postgres'; pool: pg.Pool; prefix: string }
  | { kind: 'memory'; prefix: string };

export function openRateLimitStore(config: Config, log: Logger): { store: RateLimitStore; close(): Promise<void> } {
  const prefix = `${config.queuePrefix}:rl`;
  if (config.redisUrl) {
    // No offline queue: while Redis is down a check fails at once and the in-memory insurance limiter answers.
    const client = createRedis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    client.on('error', (err) => log.warn({ err: err.message }, 'rate-limit redis connection error'));
    return { store: { kind: 'redis', client, prefix }, close: async () => void client.disconnect() };
  }
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 2, connectionTimeoutMillis: 5000 });
  pool.on('error', (err) => log.warn({ err: err.message }, 'rate-limit pool error'));
  return { store: { kind: 'postgres', pool, prefix }, close: () => pool.end().catch(() => undefined) };
}
