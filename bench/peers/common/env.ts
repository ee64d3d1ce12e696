/**
 * What a peer process reads from its environment, once, at start-up:
 * DATABASE_URL, REDIS_URL (the BullMQ peer), PORT (web), PEER_PREFIX (names its
 * tables, queue schema and channel so peers never share state).
 */
export interface PeerEnv {
  databaseUrl: string;
  redisUrl: string;
  port: number;
  prefix: string;
}

export function peerEnv(env: NodeJS.ProcessEnv = process.env): PeerEnv {
  const prefix = env.PEER_PREFIX ?? 'peer';
  // The prefix is spliced into SQL identifiers: keep it to what needs no quoting.
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(prefix)) throw new Error(`PEER_PREFIX must be a lower-case SQL identifier, got ${JSON.stringify(prefix)}`);
  if (!env.DATABASE_URL) throw new Error('DATABASE_URL is required');
  return {
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    port: Number(env.PORT ?? 3200),
    prefix,
  };
}

/** Runs `close` once on SIGTERM or SIGINT, then exits (1 when closing failed). */
export function onShutdown(close: () => Promise<void>): void {
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('close failed:', err);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
