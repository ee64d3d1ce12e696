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
 * record. An SMTP failure is UNAVAILABLE: the job is retried with backoff, and
 * the invitation stays `not invited` until the server accepts the message. The
 * send happens inside the task's transaction, before the commit that records
 * it; a crash in between sends it once more on the retry (same Message-ID).
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
    const sent = await ctx.mail({ to: inv.email, ...mail, messageId: `<invitation-${inv.id}-task-${ctx.taskId}@${host}>` });

    const first = inv.sentCount === 0;
    inv.sentCount += 1;
    inv.lastSentAt = ctx.now();
    inv.messageId = sent.messageId;
    fire(ctx, invitationMachine, inv, 'sent', { data: { messageId: sent.messageId, resend: !first } });
    if (inv.invitedBy) ctx.notify({ userIds: [inv.invitedBy] }, { type: 'invitation.sent', invitation: { id: inv.id, email: inv.email, status: inv.status } });
    return { sent: true, id: inv.id, to: inv.email, messageId: sent.messageId };
  },
});

