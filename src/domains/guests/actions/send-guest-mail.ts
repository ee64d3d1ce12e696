import { z } from 'zod';
import { defineAction } from '../../../core/define-action.js';
import { Id } from '../schemas.js';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Mail job: one onboarding email (information requested, a group completed,
 * an answer given) to a user of the tenant. Its text carries no secret.
 */
export const sendGuestMail = defineAction({
  name: 'send_guest_mail',
  summary: 'Mail job: sends one guest-onboarding email (a request for information, a completed group, an answer) to a user of the provider. Run by the system only.',
  roles: [],
  access: { ids: {}, owner: 'tenant' },
  worker: 'mail',
  internal: true,
  input: z.strictObject({ user_id: Id, subject: z.string().min(1).max(300), text: z.string().min(1).max(5000) }),
  example: { user_id: 1, subject: 'More information is needed: Application', text: 'Your coordinator asks for more information.' },
  async handler(input, ctx) {
    const [user] = await ctx.sql<{ email: string; tenant: string }>('select u.email, t.name as tenant from app_user u join tenant t on t.id = u.tenant_id where u.id = ? and u.tenant_id = ?', [input.user_id, ctx.tenantId]);
    if (!user) return { sent: false, reason: 'no such user' };
    const host = new URL(ctx.config.publicUrl).hostname || 'bureau.localhost';
    const messageId = `<guest-mail-task-${ctx.taskId}@${host}>`;
    const text = `${input.text}\n\n${user.tenant}\n${ctx.config.publicUrl}/console/`;
    ctx.mail({ to: user.email, subject: input.subject, text, html: `<p>${escapeHtml(input.text).replace(/\n/g, '<br>')}</p><p>${escapeHtml(user.tenant)}</p>`, messageId });
    return { sent: true, to: user.email, messageId };
  },
});
