import type { YogaLogger } from 'graphql-yoga';
import type { Logger } from '../lib/logger';

/**
 * Routes Yoga's own log calls into pino. Yoga logs the original of every masked error at
 * `error`, which is how unexpected resolver failures reach the logs; its `debug` lines trace
 * each processing step, so they go to pino's `trace` to keep `debug` readable.
 */
export function yogaLogger(log: Logger): YogaLogger {
  const forward =
    (level: 'trace' | 'info' | 'warn' | 'error') =>
    (...args: unknown[]): void => {
      const [first, ...rest] = args;
      if (first instanceof Error) log[level]({ err: first }, first.message);
      else if (typeof first === 'string' && rest.length === 0) log[level](first);
      else log[level]({ args }, 'yoga');
    };
  return {
    debug: forward('trace'),
    info: forward('info'),
    warn: forward('warn'),
    error: forward('error'),
  };
}
