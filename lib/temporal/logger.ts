import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { Logger } from '../logger';

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** Webpack's bundle summary: `asset …`, the module tree, `webpack 5.x compiled …`. */
const WEBPACK_SUMMARY = /^webpack \d+\.\d+\.\d+ compiled /m;

/**
 * Sends the SDK's logs (and workflow `log.*` calls, which carry workflowId and runId) to the
 * process's pino logger, so one JSON stream holds everything. The workflow bundler's webpack
 * summary (dozens of lines, logged at info when the worker starts) goes to debug; its one-line
 * `Workflow bundle created` stays at info, and a failed build stays an error.
 */
export class PinoTemporalLogger implements TemporalLogger {
  constructor(private readonly logger: Logger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const quiet = level === 'INFO' && WEBPACK_SUMMARY.test(message);
    this.logger[quiet ? 'debug' : LEVELS[level]](meta ?? {}, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
