import { pino, type Logger } from 'pino';

/**
 * The process logger. Tokens, passwords and authorization headers are redacted
 * wherever they appear in a logged object, so a log line never carries a secret.
 */
export function createLogger(level: string, name = 'bureau'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['token', '*.token', 'password', '*.password', '*.*.password', 'req.headers.authorization', 'headers.authorization', 'authorization'],
      censor: '[redacted]',
    },
  });
}
export type { Logger };
