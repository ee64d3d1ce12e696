import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/**
 * The process logger. Tokens, passwords and authorization headers are redacted
 * wherever they appear in a logged object, so a log line never carries a secret.
 */
export function createLogger(level: string, name = 'bureau', destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    name,
    level,
    redact: {
      paths: ['token', '*.token', 'password', '*.password', '*.*.password', 'req.headers.authorization', 'headers.authorization', 'authorization'],
      censor: '[redacted]',
    },
  };
  // A destination of its own: tests read every line bureau wrote.
  return destination ? pino(options, destination) : pino(options);
}
export type { Logger };
