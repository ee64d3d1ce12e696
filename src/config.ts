/**
 * Configuration, parsed once at boot from the environment. Nothing else reads
 * process.env; tests build a Config directly with `loadConfig({...})`.
 */
export type QueueBackendKind = 'redis' | 'postgres';

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  /** PostgreSQL connection string; empty in the embedded default until it starts one. */
  databaseUrl: string;
  /**
   * Redis connection string; empty means "no Redis": queues and fan-out run on PostgreSQL.
   * `redis+cluster://host:port,host:port` (or `REDIS_CLUSTER_NODES`) means a Redis Cluster (src/infra/redis-connection.ts).
   */
  redisUrl: string;
  queueBackend: QueueBackendKind;
  /** Namespaces queue keys (Redis prefix) / the BullMQ schema (PostgreSQL), so tests and tenants of a Redis never collide. */
  queuePrefix: string;
  /** Name of the pub/sub channel (Redis) or NOTIFY channel (PostgreSQL) results fan out on. */
  feedChannel: string;
  dataDir: string;
  sessionTtlMs: number;
  bodyLimit: string;
  maxWaitMs: number;
  workerConcurrency: number;
  /** Most tasks of batchable actions (`batch: true`) a worker runs in one shared transaction; 0 or 1 = each alone. */
  workerBatch: number;
  jobAttempts: number;
  jobBackoffMs: number;
  /** How long a worker holds a job before another may take it over (a killed worker's jobs come back after this). */
  jobLockMs: number;
  stalledIntervalMs: number;
  /** SLA per required level: how long a review or inquiry may stay untaken before the system escalates it. */
  slaMs: Record<1 | 2 | 3, number>;
  outboxRelayIntervalMs: number;
  /** Back-pressure: past this many jobs waiting in a queue, new actions for it get 429 (0 = off). */
  maxBacklog: number;
  backlogRefreshMs: number;
  /** Fairness between tenants on the shared queues (see src/pipeline/fairness.ts and docs/scaling.md). */
  fairness: {
    tenantMaxBacklog: number;
    tenantMaxBacklogByKind: Record<string, number>;
    tenantPriority: boolean;
    /** Worker slots per queue (over all its worker processes) that tenants share while several have work on it: each may have slots / tenants of its tasks in the queue, the rest are held in the outbox (0 = off). */
    activeSlots: number;
  };
  /** How often the reconciler looks for unfinished tasks whose job left the queue, and how old such a task must be. */
  reconcileIntervalMs: number;
  reconcileGraceMs: number;
  feedRetentionDays: number;
  argon2: { memoryCost: number; timeCost: number };
  demoPassword: string | undefined;
  allowedOrigins: string[];
  logLevel: string;
  /** Failed logins allowed per client IP + login name, and per login name from any IP, within `loginLimitWindowMs` (0 = no limit). */
  loginLimitIpName: number;
  loginLimitName: number;
  loginLimitWindowMs: number;
  /** SMTP server for outgoing mail (`smtp://user:pass@host:port`, `smtps://…`); empty = write each message to `mailOutboxDir`. */
  smtpUrl: string;
  mailFrom: string;
  mailOutboxDir: string;
  /** How often a mail job is tried (exponential backoff from `jobBackoffMs`) while the SMTP server refuses or is down. */
  mailAttempts: number;
  /** The address people reach bureau at, for links in emails; defaults to http://localhost:PORT. */
  publicUrl: string;
  invitationTtlMs: number;
  /** Invitations a tenant may create per hour (0 = no limit). */
  inviteRateLimit: number;
  /** Trust X-Forwarded-For / X-Forwarded-Proto (only behind a proxy that sets them). */
  trustProxy: boolean;
  /**
   * Workers PREPARE their per-task statements once per connection (SQL-level PREPARE / EXECUTE). Turn off
   * behind PgBouncer in transaction mode, which does not keep SQL-level prepared statements.
   */
  sqlPrepare: boolean;
  /** Worker processes serve `GET /metrics` on this port (null = off); the web process serves it on its own port. */
  metricsPort: number | null;
  /**
   * OpenTelemetry traces, from the standard variables: on when OTEL_TRACES_EXPORTER is `otlp` or `console`, or
   * an OTLP endpoint is set (and OTEL_SDK_DISABLED is not `true`). The OTLP exporter reads its own
   * OTEL_EXPORTER_OTLP_* settings (endpoint, headers, timeout).
   */
  tracing: { enabled: boolean; exporter: 'otlp' | 'console'; serviceName: string };
  /** Hosts (`name` or `name:port`) workflow action tasks may call; empty = none (WORKFLOW_CALLOUT_HOSTS, comma-separated). */
  workflowCalloutHosts: string[];
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || !Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

function tracingFrom(env: Env): Config['tracing'] {
  const exporter = env.OTEL_TRACES_EXPORTER ?? '';
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (exporter !== '' && exporter !== 'otlp' && exporter !== 'console' && exporter !== 'none') throw new Error(`OTEL_TRACES_EXPORTER must be otlp, console or none, got "${exporter}"`);
  const enabled = env.OTEL_SDK_DISABLED !== 'true' && (exporter === 'otlp' || exporter === 'console' || (exporter === '' && Boolean(endpoint)));
  return { enabled, exporter: exporter === 'console' ? 'console' : 'otlp', serviceName: env.OTEL_SERVICE_NAME || 'bureau' };
}

export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const nodeEnv = env.NODE_ENV === 'production' || env.NODE_ENV === 'test' ? env.NODE_ENV : 'development';
  // REDIS_CLUSTER_NODES (comma-separated host:port) names a Redis Cluster's seed nodes; it wins over REDIS_URL.
  const clusterNodes = (env.REDIS_CLUSTER_NODES ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const redisUrl = clusterNodes.length ? `redis+cluster://${clusterNodes.join(',')}` : (env.REDIS_URL ?? '');
  const onCluster = redisUrl.startsWith('redis+cluster://');
  const prefix = env.QUEUE_PREFIX || 'bureau';
  const backend = env.QUEUE_BACKEND;
  if (backend !== undefined && backend !== '' && backend !== 'redis' && backend !== 'postgres') {
    throw new Error(`QUEUE_BACKEND must be "redis" or "postgres", got "${backend}"`);
  }
  const hour = 3_600_000;
  const config: Config = {
    env: nodeEnv,
    port: int(env, 'PORT', 3000),
    host: env.HOST || '0.0.0.0',
    databaseUrl: env.DATABASE_URL ?? '',
    redisUrl,
    queueBackend: (backend || (redisUrl ? 'redis' : 'postgres')) as QueueBackendKind,
    // On a cluster each queue's keys must share a slot: the prefix gets a hash tag when it has none.
    queuePrefix: onCluster && !/\{[^}]+\}/.test(prefix) ? `{${prefix}}` : prefix,
    feedChannel: env.FEED_CHANNEL || 'bureau_feed',
    dataDir: env.DATA_DIR || '.data',
    sessionTtlMs: int(env, 'SESSION_TTL_MS', 12 * hour),
    bodyLimit: env.BODY_LIMIT || '256kb',
    maxWaitMs: int(env, 'MAX_WAIT_MS', 30_000),
    workerConcurrency: int(env, 'WORKER_CONCURRENCY', 64),
    workerBatch: int(env, 'WORKER_BATCH', 16),
    jobAttempts: int(env, 'JOB_ATTEMPTS', 8),
    jobBackoffMs: int(env, 'JOB_BACKOFF_MS', 500),
    jobLockMs: int(env, 'JOB_LOCK_MS', 30_000),
    stalledIntervalMs: int(env, 'STALLED_INTERVAL_MS', 15_000),
    slaMs: {
      1: int(env, 'SLA_LEVEL1_MS', 4 * hour),
      2: int(env, 'SLA_LEVEL2_MS', 8 * hour),
      3: int(env, 'SLA_LEVEL3_MS', 24 * hour),
    },
    outboxRelayIntervalMs: int(env, 'OUTBOX_RELAY_INTERVAL_MS', 1000),
    maxBacklog: int(env, 'MAX_BACKLOG', 20_000),
    backlogRefreshMs: int(env, 'BACKLOG_REFRESH_MS', 250),
    fairness: {
      tenantMaxBacklog: int(env, 'TENANT_MAX_BACKLOG', 5000),
      tenantMaxBacklogByKind: kindLimits(env.TENANT_MAX_BACKLOG_BY_KIND ?? ''),
      tenantPriority: !(env.TENANT_PRIORITY === '0' || env.TENANT_PRIORITY === 'false'),
      // Off unless set: on a quiet machine holding did not shorten the light tenant's p95 and cost the flooding one
      // throughput (docs/scaling.md, "Holding is opt-in" and "On a quiet machine").
      activeSlots: int(env, 'TENANT_ACTIVE_SLOTS', 0),
    },
    reconcileIntervalMs: int(env, 'RECONCILE_INTERVAL_MS', 60_000),
    reconcileGraceMs: int(env, 'RECONCILE_GRACE_MS', 60_000),
    feedRetentionDays: int(env, 'FEED_RETENTION_DAYS', 30),
    argon2: { memoryCost: int(env, 'ARGON2_MEMORY_KIB', 19_456), timeCost: int(env, 'ARGON2_TIME_COST', 2) },
    demoPassword: env.BUREAU_DEMO_PASSWORD || undefined,
    allowedOrigins: (env.ALLOWED_ORIGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    logLevel: env.LOG_LEVEL || (nodeEnv === 'test' ? 'silent' : 'info'),
    loginLimitIpName: int(env, 'LOGIN_LIMIT_IP_NAME', 10),
    loginLimitName: int(env, 'LOGIN_LIMIT_NAME', 100),
    loginLimitWindowMs: int(env, 'LOGIN_LIMIT_WINDOW_MS', 900_000),
    smtpUrl: env.SMTP_URL ?? '',
    mailFrom: env.MAIL_FROM || 'bureau <no-reply@bureau.localhost>',
    mailOutboxDir: env.MAIL_OUTBOX_DIR || `${env.DATA_DIR || '.data'}/outbox`,
    mailAttempts: int(env, 'MAIL_ATTEMPTS', 16),
    publicUrl: (env.PUBLIC_URL || `http://localhost:${int(env, 'PORT', 3000)}`).replace(/\/+$/, ''),
    invitationTtlMs: int(env, 'INVITATION_TTL_DAYS', 30) * 24 * hour,
    inviteRateLimit: int(env, 'INVITE_RATE_LIMIT', 200),
    trustProxy: env.TRUST_PROXY === '1' || env.TRUST_PROXY === 'true',
    sqlPrepare: !(env.PG_SQL_PREPARE === '0' || env.PG_SQL_PREPARE === 'false'),
    metricsPort: env.METRICS_PORT ? int(env, 'METRICS_PORT', 0) : null,
    tracing: tracingFrom(env),
    workflowCalloutHosts: (env.WORKFLOW_CALLOUT_HOSTS ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean),
    ...overrides,
  };
  return config;
}

/** `TENANT_MAX_BACKLOG_BY_KIND`: `kind=n` pairs, comma-separated (e.g. `mail=200,admin=2000`). */
function kindLimits(value: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pair of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [kind, n] = pair.split('=');
    if (!kind || !n || !/^\d+$/.test(n.trim())) throw new Error(`TENANT_MAX_BACKLOG_BY_KIND must be kind=n pairs, got "${pair}"`);
    out[kind.trim()] = Number(n.trim());
  }
  return out;
}
