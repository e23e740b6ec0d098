import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * One root logger per process; components take `logger.child({ module })`.
 * Secrets that can reach a log line through a feed's input are redacted.
 */
export function createLogger(opts: { level: string; name: string }): Logger {
  return pino({
    name: opts.name,
    level: opts.level,
    base: { service: opts.name, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['auth', '*.auth', 'input.auth', 'password', '*.password', 'token', '*.token'],
      censor: '[redacted]',
    },
  });
}
