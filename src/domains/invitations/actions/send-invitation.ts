import { LockMode } from '@mikro-orm/core';
import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { newToken, tokenHash } from '../../accounts/passwords.js';
import { Id } from '../../backoffice/schemas.js';
import { Invitation } from '../entities.js';
import { fire, invitationMachine } from '../rules.js';
import { renderInvitation } from '../templates.js';

const ROLE_LABEL: Record<string, string> = { admin: 'an administrator', compliance: 'a compliance officer', service: 'a service agent' };

/**
 * The email of an invitation, on the `mail` queue. The link's token is made here
 * and only its hash is stored, so no secret travels through a queue or a task
 * record. The message is handed to SMTP as the last step of the task's
 * transaction, after everything it records: an SMTP failure rolls it all back
 * (UNAVAILABLE: retried with backoff), so the invitation stays `not invited`
 * until the server accepts the message. Only a crash during the COMMIT itself
 * can send it twice, with the same Message-ID.
 */
export const sendInvitation = defineAction({
  name: 'send_invitation',
  summary: 'Mail job: sends the invitation email with a fresh link and marks the invitation `invited`. Run by the system only.',
  roles: [],
  access: { ids: { id: 'invitation' }, owner: 'tenant' },
  worker: 'mail',
  internal: true,
  input: z.strictObject({ id: Id }),
  example: { id: 1 },
  async handler(input, ctx) {
    const inv = await ctx.em.findOne(Invitation, { id: input.id, tenantId: ctx.tenantId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!inv) return { sent: false, reason: 'the invitation was deleted' };
    if (inv.status !== 'not invited') return { sent: false, reason: `the invitation is ${inv.status}` };
    if (inv.expiresAt.getTime() <= ctx.now().getTime()) return { sent: false, reason: 'the invitation has expired' };

    const token = newToken();
    await ctx.sql('insert into invitation_token (invitation_id, token_hash, expires_at) values (?, ?, ?)', [inv.id, tokenHash(token), inv.expiresAt]);
    const [about] = await ctx.sql<{ tenant: string; first_name: string | null; inviter: string | null }>(
      `select t.name as tenant, u.first_name,
              coalesce(nullif(trim(concat_ws(' ', w.first_name, w.last_name)), ''), w.email) as inviter
         from tenant t left join app_user u on u.id = ? left join app_user w on w.id = ? where t.id = ?`,
      [inv.userId ?? 0, inv.invitedBy ?? 0, ctx.tenantId],
    );
    const base = ctx.config.publicUrl;
    const mail = renderInvitation({
      firstName: about?.first_name ?? inv.email,
      inviterName: about?.inviter ?? `The ${about?.tenant ?? ''} team`.trim(),
      tenantName: about?.tenant ?? 'bureau',
      roleLabel: ROLE_LABEL[inv.role] ?? inv.role,
      acceptUrl: `${base}/i/${token}`,
      openUrl: `${base}/i/${token}/open.gif`,
      expiresOn: inv.expiresAt.toUTCString(),
    });
    const host = new URL(base).hostname || 'bureau.localhost';
    const messageId = `<invitation-${inv.id}-task-${ctx.taskId}@${host}>`;
    const first = inv.sentCount === 0;
    inv.sentCount += 1;
    inv.lastSentAt = ctx.now();
    inv.messageId = messageId;
    fire(ctx, invitationMachine, inv, 'sent', { data: { messageId, resend: !first } });
    // Handed to SMTP after every write of this task, just before its COMMIT (the transaction stays open while SMTP answers).
    ctx.mail({ to: inv.email, ...mail, messageId });
    return { sent: true, id: inv.id, to: inv.email, messageId };
  },
});

