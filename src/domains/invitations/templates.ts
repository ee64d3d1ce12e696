import { readFileSync } from 'node:fs';

const load = (file: string) => readFileSync(new URL(`./templates/${file}`, import.meta.url), 'utf8');
const TEXT = load('invitation.txt');
const HTML = load('invitation.html');

export interface InvitationMailVars {
  firstName: string;
  inviterName: string;
  tenantName: string;
  roleLabel: string;
  acceptUrl: string;
  openUrl: string;
  expiresOn: string;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function fill(template: string, vars: Record<string, string>, escape: (s: string) => string): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = vars[key];
    if (value === undefined) throw new Error(`template variable ${key} is missing`);
    return escape(value);
  });
}

/** The invitation email: subject, text and HTML (every value HTML-escaped in the HTML body). */
export function renderInvitation(vars: InvitationMailVars): { subject: string; text: string; html: string } {
  const v = vars as unknown as Record<string, string>;
  return {
    subject: `${vars.inviterName} invites you to ${vars.tenantName} on bureau`,
    text: fill(TEXT, v, (s) => s),
    html: fill(HTML, v, escapeHtml),
  };
}
