import type { Db } from '../../core/context.js';
import { AppError } from '../../core/errors.js';
import { tokenHash } from '../accounts/passwords.js';

/** Records a system task of a tenant in the caller's transaction (it reaches its queue through the outbox). */
export type RecordSystemTask = (tenantId: number, action: string, input: unknown, key: string) => Promise<void>;

/**
 * The web side of an ASYNC_ACTION callback (`POST /api/v1/callbacks/:token`),
 * in one transaction: the token (only its hash is stored) must be known,
 * unused and not past its task's deadline; it is then used up, and the body
 * goes to `record_action_outcome` as the task's result. A second use is GONE.
 */
export async function acceptCallback(tx: Db, token: string, body: unknown, now: Date, record: RecordSystemTask): Promise<{ accepted: true }> {
  const [cb] = await tx.sql<{ id: number; tenant_id: number; task_instance_id: number; attempt: number; expires_at: Date; used_at: Date | null }>(
    'select id, tenant_id, task_instance_id, attempt, expires_at, used_at from workflow_callback where token_hash = ? for update',
    [tokenHash(token)],
  );
  if (!cb) throw new AppError('NOT_FOUND', 'No such callback.');
  if (cb.used_at) throw new AppError('GONE', 'This callback was already used.');
  if (new Date(cb.expires_at).getTime() <= now.getTime()) throw new AppError('GONE', 'This callback has expired (its task timed out, finished or was cancelled).');
  await tx.sql('update workflow_callback set used_at = ? where id = ?', [now, cb.id]);
  const input = { task_instance_id: cb.task_instance_id, attempt: cb.attempt, source: 'callback', outcome: { ok: true, status: 200, body: body ?? null } };
  await record(cb.tenant_id, 'record_action_outcome', input, `wf-callback:${cb.task_instance_id}:${cb.attempt}`);
  return { accepted: true };
}
