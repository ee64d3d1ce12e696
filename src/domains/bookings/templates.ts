import type { IBooking } from './entities.js';

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The decision email: subject, text and HTML (every value escaped in the HTML). */
export function renderDecision(b: IBooking, tenantName: string, consoleUrl: string): { subject: string; text: string; html: string } {
  const when = `${b.startsAt.toISOString().replace('T', ' ').slice(0, 16)} UTC, ${b.durationMinutes} minutes`;
  const where = [b.address.street, b.address.city, b.address.state, b.address.postal_code, b.address.country].join(', ');
  const verdict = b.status === 'accepted' ? 'accepted' : 'rejected';
  const lines = [
    `Your booking "${b.topic}" at ${tenantName} was ${verdict}.`,
    '',
    `When: ${when}`,
    `Where: ${where}`,
    ...(b.status === 'rejected' && b.reason ? [`Reason: ${b.reason}`] : []),
    '',
    `See your bookings: ${consoleUrl}`,
  ];
  return {
    subject: `Booking ${verdict}: ${b.topic}`,
    text: lines.join('\n') + '\n',
    html: `<!doctype html><html><body>${lines.map((l) => (l ? `<p>${escapeHtml(l)}</p>` : '')).join('')}</body></html>`,
  };
}
