import type { Db } from '../../core/context.js';
import { AppError } from '../../core/errors.js';
import { fire, note } from '../../core/state-machine.js';
import type { Accounts } from '../accounts/service.js';
import { tokenHash } from '../accounts/passwords.js';
import { EventBuffer } from '../audit/record.js';
import { invitationMachine, LIVE_STATUSES, type InvitationStatus } from './machine.js';

interface LinkRow {
  id: number;
  tenant_id: number;
  user_id: number | null;
  status: InvitationStatus;
  email: string;
  expires_at: Date;
  token_expires_at: Date;
  tenant: string;
  tenant_name: string;
  first_name: string | null;
  last_name: string | null;
}

/** What a link shows: the accept form, or why it cannot be used. */
export type LinkState =
  | { state: 'open'; invitation: { id: number; email: string; tenant: string; firstName: string; lastName: string; expiresAt: Date } }
  | { state: 'registered' | 'expired' | 'revoked' | 'unknown'; tenant?: string };

/**
 * The web side of an invitation link (`/i/:token` and `accept_invitation`):
 * opens, clicks and registration, each in one transaction with its event. A
 * link is usable while the invitation is live and neither its own expiry nor the
 * invitation's has passed; using one past expiry marks the invitation `expired`.
 * Statuses move through `invitationMachine` (`fire()`), whose rows are buffered
 * and written by `recordEvents`, as a worker's are.
 */
export class InvitationLinks {
  constructor(
    private readonly deps: {
      /** Runs one transaction (the web process's database port). */
      transaction: <T>(fn: (tx: Db) => Promise<T>) => Promise<T>;
      accounts: Accounts;
      now: () => Date;
    },
  ) {}

  private now(): Date {
    return this.deps.now();
  }

  /** Records an open (the tracking pixel). Unknown tokens are ignored: the pixel always answers. */
  async opened(token: string): Promise<void> {
    await this.deps.transaction(async (tx) => {
      const row = await this.lock(tx, token);
      if (!row) return;
      const [inv] = await tx.sql<{ open_count: number }>(
        `update invitation set open_count = open_count + 1, first_opened_at = coalesce(first_opened_at, ?), last_opened_at = ? where id = ? returning open_count`,
        [this.now(), this.now(), row.id],
      );
      if (inv?.open_count !== 1) return;
      const events = new EventBuffer();
      note(events, invitationMachine, row, 'opened');
      await this.flush(tx, row, events);
    });
  }

  /**
   * What the page for a link should show. A click (`record`) is counted and
   * recorded as an event; it never registers anything. Re-showing the form after
   * a bad submit reads the same state without counting a click.
   */
  async clicked(token: string, record = true): Promise<LinkState> {
    return this.deps.transaction(async (t) => {
      const row = await this.lock(t, token);
      if (!row) return { state: 'unknown' };
      const events = new EventBuffer();
      const usable = await this.usable(t, row, events);
      if (usable !== 'open') {
        await this.flush(t, row, events);
        return { state: usable, tenant: row.tenant_name };
      }
      const open = { state: 'open' as const, invitation: { id: row.id, email: row.email, tenant: row.tenant_name, firstName: row.first_name ?? '', lastName: row.last_name ?? '', expiresAt: new Date(row.token_expires_at) } };
      if (!record) return open;
      fire(events, invitationMachine, row, 'clicked');
      await t.sql(`update invitation set status = ?, click_count = click_count + 1, first_clicked_at = coalesce(first_clicked_at, ?), last_clicked_at = ?, updated_at = now() where id = ?`, [row.status, this.now(), this.now(), row.id]);
      await this.flush(t, row, events);
      return open;
    });
  }

  /**
   * Registers the invited user: activates it with the name and password given,
   * marks the invitation `registered`, records the event and opens a session,
   * all in one transaction. A second submit gets 409 and changes nothing.
   */
  async accept(token: string, input: { firstName: string; lastName: string; password: string }) {
    const passwordHash = await this.deps.accounts.hash(input.password);
    const outcome = await this.deps.transaction(async (t) => {
      const row = await this.lock(t, token);
      if (!row) return { state: 'unknown' as const };
      const events = new EventBuffer();
      const usable = await this.usable(t, row, events);
      if (usable !== 'open') {
        await this.flush(t, row, events);
        return { state: usable };
      }
      fire(events, invitationMachine, row, 'registered');
      const user = await this.deps.accounts.activateInvited(events.on(t), { userId: row.user_id ?? 0, tenantId: row.tenant_id, firstName: input.firstName, lastName: input.lastName, passwordHash });
      if (!user) throw new AppError('CONFLICT', 'The account this invitation was for is no longer waiting to be activated.');
      await t.sql(`update invitation set status = ?, registered_at = ?, updated_at = now() where id = ?`, [row.status, this.now(), row.id]);
      await this.flush(t, row, events, user.id);
      const session = await this.deps.accounts.openSession(t, { ...user, tenant: row.tenant });
      return { state: 'accepted' as const, session: { ...session, invitationId: row.id } };
    });
    switch (outcome.state) {
      case 'accepted':
        return outcome.session;
      case 'unknown':
        throw new AppError('NOT_FOUND', 'This invitation link is not valid.');
      case 'expired':
        throw new AppError('GONE', 'This invitation has expired; ask for a new one.');
      case 'revoked':
        throw new AppError('GONE', 'This invitation was revoked.');
      default:
        throw new AppError('CONFLICT', 'This invitation has already been accepted; log in instead.');
    }
  }

  private async lock(db: Db, token: string): Promise<LinkRow | null> {
    if (!token || token.length > 200) return null;
    const [row] = await db.sql<LinkRow>(
      `select i.id, i.tenant_id, i.user_id, i.status, i.email, i.expires_at, k.expires_at as token_expires_at,
              t.slug as tenant, t.name as tenant_name, u.first_name, u.last_name
         from invitation_token k join invitation i on i.id = k.invitation_id join tenant t on t.id = i.tenant_id
         left join app_user u on u.id = i.user_id
        where k.token_hash = ? for update of i`,
      [tokenHash(token)],
    );
    return row ?? null;
  }

  /** `open`, or why not; a live invitation found past its expiry is marked `expired` here (its event into `events`). */
  private async usable(db: Db, row: LinkRow, events: EventBuffer): Promise<'open' | 'registered' | 'expired' | 'revoked'> {
    if (row.status === 'registered' || row.status === 'revoked' || row.status === 'expired') return row.status;
    if (!LIVE_STATUSES.includes(row.status)) return 'expired';
    const now = this.now().getTime();
    if (new Date(row.expires_at).getTime() <= now) {
      fire(events, invitationMachine, row, 'expired', { reason: 'used after its expiry' });
      await db.sql(`update invitation set status = ?, updated_at = now() where id = ?`, [row.status, row.id]);
      return 'expired';
    }
    // This link's own expiry passed, but a reinvite extended the invitation: this link is dead, the newer one works.
    if (new Date(row.token_expires_at).getTime() <= now) return 'expired';
    return 'open';
  }

  /** Writes the history rows buffered for `row`'s invitation (and its user), stamped with this page's clock. */
  private flush(db: Db, row: LinkRow, events: EventBuffer, actorId: number | null = null): Promise<void> {
    return events.flush(db, { tenantId: row.tenant_id, actorId, taskId: null, at: this.now() });
  }
}
