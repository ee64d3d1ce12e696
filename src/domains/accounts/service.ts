import type { Db } from '../../core/context.js';
import { AppError } from '../../core/errors.js';
import type { Actor, Level } from '../../core/roles.js';
import { fire, type Recorder } from '../../core/state-machine.js';
import { userMachine, type UserStatus } from './machine.js';
import { hashPassword, newToken, tokenHash, verifyPassword, type HashCost } from './passwords.js';

interface UserRow {
  id: number;
  tenant_id: number;
  tenant: string;
  email: string;
  role: string;
  level: number;
  status: string;
  first_name: string | null;
  last_name: string | null;
  password_hash: string | null;
}

export function publicUser(u: Pick<UserRow, 'id' | 'tenant_id' | 'tenant' | 'email' | 'role' | 'level' | 'first_name' | 'last_name'>) {
  return { id: u.id, tenantId: u.tenant_id, tenant: u.tenant, email: u.email, role: u.role, level: u.level, firstName: u.first_name, lastName: u.last_name };
}

/** The actor of a user row; `app_user.role` references the tenant's roles, so it is always one the domains declare. */
export function actorFromRow(u: { id: number; tenant_id: number; role: string; level: number; email: string }): Actor {
  return { kind: 'user', id: u.id, tenantId: u.tenant_id, role: u.role, level: u.level as Level, email: u.email };
}

export interface SessionOptions {
  ttlMs: number;
  cost: HashCost;
}

/**
 * Logins and sessions. A session token is random, returned once, stored only as
 * a hash, and expires; logout revokes it.
 */
export class Accounts {
  private dummyHash: Promise<string> | null = null;

  constructor(private readonly opts: SessionOptions) {}

  async login(db: Db, name: string, password: string, tenant?: string) {
    const rows = await db.sql<UserRow>(
      `select u.*, t.slug as tenant from app_user u join tenant t on t.id = u.tenant_id
        where lower(u.email) = lower(?) and (?::text is null or t.slug = ?) and u.status = 'active'`,
      [name, tenant ?? null, tenant ?? null],
    );
    if (rows.length > 1) throw new AppError('VALIDATION_FAILED', 'That login exists in several tenants; say which with `tenant`.', { issues: [{ path: 'tenant', message: 'required for this login' }] });
    const user = rows[0];
    // Verify against a throwaway hash when there is no such user, so timing does not tell.
    this.dummyHash ??= hashPassword(newToken(), this.opts.cost);
    const ok = await verifyPassword(user?.password_hash ?? (await this.dummyHash), password);
    if (!user || !ok) throw new AppError('INVALID_CREDENTIALS', 'Wrong login name or password.');
    return this.openSession(db, user);
  }

  /** A new session for a user who just proved who they are (login, or accepting an invitation). */
  async openSession(db: Db, user: Parameters<typeof publicUser>[0]) {
    const token = newToken();
    const expiresAt = new Date(Date.now() + this.opts.ttlMs);
    await db.sql('insert into session (tenant_id, user_id, token_hash, expires_at) values (?, ?, ?, ?)', [user.tenant_id, user.id, tokenHash(token), expiresAt]);
    return { token, expiresAt: expiresAt.toISOString(), user: publicUser(user) };
  }

  hash(password: string): Promise<string> {
    return hashPassword(password, this.opts.cost);
  }

  /** The actor behind a token, or 401 UNAUTHENTICATED (unknown, revoked, expired, or a disabled user). */
  async authenticate(db: Db, token: string | null | undefined): Promise<Actor & { kind: 'user' }> {
    if (!token) throw new AppError('UNAUTHENTICATED', 'A token is required: log in first and send it as `token` or a Bearer header.');
    const [row] = await db.sql<UserRow & { expires_at: Date; revoked_at: Date | null }>(
      `select u.id, u.tenant_id, u.email, u.role, u.level, u.status, s.expires_at, s.revoked_at
         from session s join app_user u on u.id = s.user_id where s.token_hash = ?`,
      [tokenHash(token)],
    );
    if (!row || row.revoked_at) throw new AppError('UNAUTHENTICATED', 'Unknown or revoked token.');
    if (new Date(row.expires_at).getTime() <= Date.now()) throw new AppError('UNAUTHENTICATED', 'The token has expired; log in again.');
    if (row.status !== 'active') throw new AppError('UNAUTHENTICATED', 'This account is not active.');
    return actorFromRow(row) as Actor & { kind: 'user' };
  }

  /** The roles the tenant has (those of the domains it uses): `app_user.role` must be one of them. */
  async tenantRoles(db: Db, tenantId: number): Promise<string[]> {
    const rows = await db.sql<{ role: string }>('select role from tenant_role where tenant_id = ? order by role', [tenantId]);
    return rows.map((r) => r.role);
  }

  /** A user waiting for an invitation to be accepted (`invited`, no password yet), with its creation event. */
  async createInvited(ctx: Db & Recorder, u: { tenantId: number; email: string; role: string; level: number; firstName: string; lastName: string }): Promise<number> {
    const [row] = await ctx.sql<{ id: number; status: UserStatus }>(
      `insert into app_user (tenant_id, email, role, level, status, first_name, last_name) values (?, ?, ?, ?, ?, ?, ?) returning id, status`,
      [u.tenantId, u.email, u.role, u.level, userMachine.events.invited.to, u.firstName, u.lastName],
    );
    fire(ctx, userMachine, row!, 'invited');
    return row!.id;
  }

  /** An active user with a password (demo sets, an admin's own creation): `created`, with its event. */
  async createUser(ctx: Db & Recorder, u: { tenantId: number; email: string; role: string; level: number; firstName: string; lastName: string; passwordHash: string }): Promise<number> {
    const [row] = await ctx.sql<{ id: number; status: UserStatus }>(
      `insert into app_user (tenant_id, email, role, level, status, first_name, last_name, password_hash) values (?, ?, ?, ?, ?, ?, ?, ?) returning id, status`,
      [u.tenantId, u.email, u.role, u.level, userMachine.events.created.to, u.firstName, u.lastName, u.passwordHash],
    );
    fire(ctx, userMachine, row!, 'created');
    return row!.id;
  }

  /**
   * Activates a user who was invited (`registered`: `invited` -> `active`) with
   * the name and password hash given, and records the event; null when the user
   * is not waiting to be activated.
   */
  async activateInvited(ctx: Db & Recorder, u: { userId: number; tenantId: number; firstName: string; lastName: string; passwordHash: string }) {
    const [user] = await ctx.sql<{ id: number; status: UserStatus }>('select id, status from app_user where id = ? and tenant_id = ? for update', [u.userId, u.tenantId]);
    if (!user || !userMachine.events.registered.from.includes(user.status)) return null;
    fire(ctx, userMachine, user, 'registered');
    const [row] = await ctx.sql<{ id: number; tenant_id: number; email: string; role: string; level: number; first_name: string; last_name: string }>(
      `update app_user set first_name = ?, last_name = ?, password_hash = ?, status = ? where id = ? returning id, tenant_id, email, role, level, first_name, last_name`,
      [u.firstName, u.lastName, u.passwordHash, user.status, user.id],
    );
    return row ?? null;
  }

  /**
   * Deletes a user that never became active (still `invited`) and never
   * submitted a task, so its email can be invited afresh; false when the user
   * is gone, active, disabled or has tasks.
   */
  async deleteInvited(db: Db, u: { userId: number; tenantId: number }): Promise<boolean> {
    const removed = await db.sql<{ id: number }>(
      `delete from app_user u where u.id = ? and u.tenant_id = ? and u.status = ?
          and not exists (select 1 from task t where t.actor_id = u.id)
        returning u.id`,
      [u.userId, u.tenantId, userMachine.events.invited.to],
    );
    return removed.length > 0;
  }

  /**
   * Replaces a user's password after checking the current one (argon2id), and
   * ends every other session of the user: all but the one whose token hash is
   * `keepTokenHash`. INVALID_CREDENTIALS when the current password is wrong.
   */
  async changePassword(
    db: Db & { transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> },
    u: { userId: number; tenantId: number; oldPassword: string; newPassword: string; keepTokenHash: string | null },
  ): Promise<{ sessionsEnded: number }> {
    // Both argon2 runs happen before the transaction: no pooled connection waits on them.
    const [row] = await db.sql<{ password_hash: string | null }>('select password_hash from app_user where id = ? and tenant_id = ?', [u.userId, u.tenantId]);
    const ok = row?.password_hash ? await verifyPassword(row.password_hash, u.oldPassword) : false;
    if (!ok) throw new AppError('INVALID_CREDENTIALS', 'The current password is wrong.', { field: 'old_password' });
    const hash = await this.hash(u.newPassword);
    return db.transaction(async (tx) => {
      // Guarded by the hash just verified: a change that landed meanwhile wins, and this one is refused.
      const changed = await tx.sql('update app_user set password_hash = ? where id = ? and password_hash = ? returning id', [hash, u.userId, row!.password_hash]);
      if (!changed.length) throw new AppError('CONFLICT', 'The password was changed meanwhile; log in again and retry.');
      const ended = await tx.sql<{ id: number }>('update session set revoked_at = now() where user_id = ? and revoked_at is null and token_hash is distinct from ? returning id', [u.userId, u.keepTokenHash]);
      return { sessionsEnded: ended.length };
    });
  }

  /**
   * Disables (`active` -> `disabled`) or enables again (`disabled` -> `active`)
   * a user of the tenant through the user machine, with its event row in
   * `ctx`; disabling revokes every session of the user, so a token of theirs
   * never works again, even once re-enabled. 404 for a user of another
   * tenant, INVALID_TRANSITION for an invited user or no change.
   */
  async setStatus(ctx: Db & Recorder, u: { tenantId: number; userId: number; status: 'active' | 'disabled'; reason?: string | undefined }) {
    const [user] = await ctx.sql<{ id: number; status: UserStatus; email: string; role: string; level: number; first_name: string | null; last_name: string | null }>(
      'select id, status, email, role, level, first_name, last_name from app_user where id = ? and tenant_id = ? for update',
      [u.userId, u.tenantId],
    );
    if (!user) throw new AppError('NOT_FOUND', `No user ${u.userId}.`);
    fire(ctx, userMachine, user, u.status === 'disabled' ? 'disabled' : 'enabled', { reason: u.reason });
    await ctx.sql('update app_user set status = ? where id = ?', [user.status, user.id]);
    const revoked = user.status === 'disabled' ? await ctx.sql<{ id: number }>('update session set revoked_at = now() where user_id = ? and revoked_at is null returning id', [user.id]) : [];
    return { id: user.id, email: user.email, role: user.role, level: user.level, firstName: user.first_name, lastName: user.last_name, status: user.status, sessionsEnded: revoked.length };
  }

  async logout(db: Db, token: string): Promise<void> {
    await db.sql('update session set revoked_at = now() where token_hash = ? and revoked_at is null', [tokenHash(token)]);
  }
}

const byConfig = new WeakMap<object, Accounts>();

/** The one `Accounts` of a process for its config (session lifetime, hash cost). */
export function accountsFor(config: { sessionTtlMs: number; argon2: HashCost }): Accounts {
  let a = byConfig.get(config);
  if (!a) byConfig.set(config, (a = new Accounts({ ttlMs: config.sessionTtlMs, cost: config.argon2 })));
  return a;
}
