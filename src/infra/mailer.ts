import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import type { Config } from '../config.js';
import type { OutgoingMail } from '../core/context.js';
import { AppError } from '../core/errors.js';
import type { Logger } from './logger.js';

export type { OutgoingMail };

export interface SentMail {
  messageId: string;
  /** Where it went: the SMTP server's reply, or the .eml file it was written to. */
  response: string;
}

/** What the mail worker sends through: SMTP when `SMTP_URL` is set, else files in the local outbox. */
export interface Mailer {
  readonly describe: string;
  send(mail: OutgoingMail): Promise<SentMail>;
  close(): void;
}

/**
 * nodemailer over SMTP (a pooled transport), or its stream transport writing one
 * `.eml` per message under `MAIL_OUTBOX_DIR` (the embedded default). Failures
 * the next attempt may not see (connection refused, timeouts, 4xx replies) become
 * UNAVAILABLE so the job is retried with backoff; a permanent 5xx refusal is
 * MAIL_REJECTED and is not retried.
 */
export function createMailer(config: Config, log: Logger): Mailer {
  if (config.smtpUrl) {
    // Short timeouts: the send holds the invitation's row lock and a database connection until SMTP answers.
    const transport = createTransport({ url: config.smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 }, { from: config.mailFrom });
    const where = new URL(config.smtpUrl);
    return {
      describe: `SMTP ${where.hostname}:${where.port || (where.protocol === 'smtps:' ? 465 : 587)}`,
      async send(mail) {
        try {
          const info = await transport.sendMail({ ...mail, from: config.mailFrom });
          return { messageId: info.messageId, response: String(info.response ?? '') };
        } catch (err) {
          throw smtpError(err);
        }
      },
      close: () => transport.close(),
    };
  }
  const dir = config.mailOutboxDir;
  const transport = createTransport({ streamTransport: true, buffer: true, newline: 'unix' }, { from: config.mailFrom });
  return {
    describe: `files in ${dir}`,
    async send(mail) {
      const info = await transport.sendMail({ ...mail, from: config.mailFrom });
      await mkdir(dir, { recursive: true });
      const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${mail.messageId.replace(/[^\w.-]/g, '')}.eml`);
      await writeFile(file, info.message as Buffer);
      log.info({ file, messageId: info.messageId }, 'mail written to the local outbox');
      return { messageId: info.messageId, response: `written to ${file}` };
    },
    close: () => transport.close(),
  };
}

function smtpError(err: unknown): AppError {
  const e = err as { responseCode?: number; code?: string; message?: string };
  if (typeof e.responseCode === 'number' && e.responseCode >= 500) {
    return new AppError('MAIL_REJECTED', `The SMTP server refused the message (${e.responseCode}).`, { responseCode: e.responseCode });
  }
  return new AppError('UNAVAILABLE', `The SMTP server is unreachable or deferred the message (${e.code ?? e.responseCode ?? 'error'}).`);
}
