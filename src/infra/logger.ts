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

/**
 * `parent.child(bindings)`, made the first time it is used: pino redacts and
 * serialises a child's bindings when it makes the child, which a worker did for
 * every task although a task that succeeds logs nothing.
 */
export function lazyChild(parent: Logger, bindings: Record<string, unknown>): Logger {
  let child: Logger | null = null;
  return new Proxy(parent, {
    get(_, key) {
      child ??= parent.child(bindings);
      const value: unknown = Reflect.get(child, key, child);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(child) : value;
    },
  });
}
