import { simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface SunkMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
}

/**
 * A real SMTP server (the `smtp-server` package) on a free port that keeps every
 * message it accepts, parsed. `down()` closes the port (connections are
 * refused, as with a dead mail server); `up()` listens on the same port again.
 */
export class SmtpSink {
  readonly messages: SunkMail[] = [];
  private server: SMTPServer | null = null;
  port = 0;

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    if (this.server) return;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, _session, callback) => {
        simpleParser(stream, {})
          .then((m) => {
            const to = Array.isArray(m.to) ? m.to.map((a) => a.text).join(', ') : (m.to?.text ?? '');
            this.messages.push({ to, subject: m.subject ?? '', text: m.text ?? '', html: typeof m.html === 'string' ? m.html : '', messageId: m.messageId ?? '' });
            callback();
          })
          .catch((err: Error) => callback(err));
      },
    });
    // A client that drops mid-session (a SIGKILLed mail worker) is its own problem, not the test process's.
    server.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      const net = server.listen(this.port, '127.0.0.1', () => {
        this.port = (net.address() as AddressInfo).port;
        resolve();
      });
      net.once('error', reject);
    });
    if (!this.port) throw new Error('smtp sink has no port');
    this.server = server;
  }

  async down(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  to(address: string): SunkMail[] {
    return this.messages.filter((m) => m.to.includes(address));
  }

  /** Waits until `address` has received `count` messages (polling; the test's own timeout bounds it). */
  async waitFor(address: string, count = 1): Promise<SunkMail[]> {
    for (;;) {
      const got = this.to(address);
      if (got.length >= count) return got;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** The invitation token in a mail's accept link. */
export function linkToken(mail: SunkMail): string {
  const m = /\/i\/([A-Za-z0-9_-]{40,})(?![\w/-]*open\.gif)/.exec(mail.text);
  if (!m) throw new Error(`no accept link in: ${mail.text}`);
  return m[1]!;
}
