import { createHash } from 'node:crypto';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config.js';
import type { ActionRateLimit } from '../core/define-action.js';
import { AppError } from '../core/errors.js';
import type { Actor } from '../core/roles.js';
import type { RateLimitStore } from '../infra/rate-limit-store.js';

export interface LimitRule {
  /** Attempts allowed per window (0 = no limit). */
  points: number;
  windowMs: number;
}

/**
 * One named counter (rate-limiter-flexible) on the shared store, with an
 * in-memory insurance limiter: if Redis or PostgreSQL does not answer, each
 * process keeps limiting on its own instead of failing the request.
 */
export function limiter(store: RateLimitStore, name: string, rule: LimitRule): RateLimiterAbstract {
  const base = { keyPrefix: `${store.prefix}:${name}`, points: rule.points, duration: Math.max(1, Math.ceil(rule.windowMs / 1000)) };
  const insuranceLimiter = new RateLimiterMemory(base);
  switch (store.kind) {
    case 'redis':
      return new RateLimiterRedis({ ...base, storeClient: store.client, rejectIfRedisNotReady: true, insuranceLimiter });
    case 'postgres':
      // The table comes from a migration (Migration20261124145100); one table, keys prefixed by limiter name.
      return new RateLimiterPostgres({ ...base, storeClient: store.pool, storeType: 'pool', tableName: 'rate_limit', tableCreated: true, insuranceLimiter });
    case 'memory':
      return insuranceLimiter;
  }
}

/** Counter keys never hold an email in clear (they sit in Redis or a table). */
const keyOf = (...parts: string[]): string => createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 32);

export function rateLimited(what: string, msBeforeNext: number): AppError {
  const retryAfter = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new AppError('RATE_LIMITED', `Too many ${what}; retry in ${retryAfter} s.`, { retryAfter });
}

const exhausted = (res: RateLimiterRes | null, points: number): boolean => res !== null && points > 0 && res.consumedPoints >= points;

/**
 * Login throttling by failed attempts: per client IP + login name (guessing one
 * account's password) and per login name from anywhere (a distributed guess).
 * A success clears the IP + name counter. Counting failures only, a user who
 * types the right password is never slowed down by their own earlier logins.
 */
export class LoginThrottle {
  private readonly byIpName: RateLimiterAbstract;
  private readonly byName: RateLimiterAbstract;

  constructor(
    store: RateLimitStore,
    private readonly rules: { perIpName: LimitRule; perName: LimitRule },
  ) {
    this.byIpName = limiter(store, 'login-ip-name', rules.perIpName);
    this.byName = limiter(store, 'login-name', rules.perName);
  }

  /** Throws 429 RATE_LIMITED (with `details.retryAfter` seconds) while either counter is spent. */
  async check(ip: string, name: string): Promise<void> {
    const n = name.trim().toLowerCase();
    const [a, b] = await Promise.all([this.byIpName.get(keyOf(ip, n)), this.byName.get(keyOf(n))]);
    const blocked = [
      exhausted(a, this.rules.perIpName.points) ? a : null,
      exhausted(b, this.rules.perName.points) ? b : null,
    ].filter((r): r is RateLimiterRes => r !== null);
    if (blocked.length) throw rateLimited('failed logins', Math.max(...blocked.map((r) => r.msBeforeNext)));
  }

  async failed(ip: string, name: string): Promise<void> {
    const n = name.trim().toLowerCase();
    await Promise.all([
      this.rules.perIpName.points ? this.byIpName.penalty(keyOf(ip, n)) : null,
      this.rules.perName.points ? this.byName.penalty(keyOf(n)) : null,
    ]);
  }

  async succeeded(ip: string, name: string): Promise<void> {
    await this.byIpName.delete(keyOf(ip, name.trim().toLowerCase()));
  }
}

/**
 * Flood limits declared on actions (`rateLimit`): one counter per action and
 * tenant (or user) on the shared store, consumed when a valid request is
 * accepted; past the limit 429 with Retry-After and nothing is written.
 */
export class ActionLimits {
  private readonly limiters = new Map<string, RateLimiterAbstract>();

  constructor(
    private readonly store: RateLimitStore,
    private readonly config: Config,
  ) {}

  async consume(action: string, rule: ActionRateLimit, actor: Actor & { kind: 'user' }): Promise<void> {
    const points = rule.points(this.config);
    if (!points) return;
    let l = this.limiters.get(action);
    if (!l) this.limiters.set(action, (l = limiter(this.store, `action-${action}`, { points, windowMs: rule.windowMs })));
    const key = rule.per === 'tenant' ? `t${actor.tenantId}` : `u${actor.id}`;
    try {
      await l.consume(key);
    } catch (res) {
      if (res instanceof RateLimiterRes) throw rateLimited(`${action} requests for your ${rule.per}`, res.msBeforeNext);
      throw res;
    }
  }
}
