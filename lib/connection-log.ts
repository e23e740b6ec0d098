import type { EventEmitter } from 'node:events';
import type { Logger } from './logger';

/**
 * Logs a connection's state instead of its every retry: one line when it is lost (or cannot be
 * made), one when it is back (with how long it was down and how many errors that took), and
 * while it stays down a summary every `summaryMs`. ioredis emits an `error` per reconnect
 * attempt — hundreds a minute — and logging each with its stack buried the one line that
 * mattered.
 */

/** Options of {@link logConnectionState}. */
export interface ConnectionLogOptions {
  /** What the lines call the connection: `redis`, `quote subscriber`, ... */
  readonly name: string;
  /** Period of the "still down" summary; 0: none (state changes only). */
  readonly summaryMs: number;
  /** @defaultValue Date.now */
  readonly now?: () => number;
}

type State = 'connecting' | 'connected' | 'down';

/** The error's code and message, without the stack: the state line says what, not where. */
function describe(err: unknown): { code?: string; error: string } {
  // Not instanceof: errors of Node's core come from another realm under test runners.
  const { code, message } = (typeof err === 'object' && err !== null ? err : {}) as {
    code?: unknown;
    message?: unknown;
  };
  return {
    ...(typeof code === 'string' && { code }),
    error: typeof message === 'string' ? message : String(err),
  };
}

/**
 * Attaches to an ioredis connection's events (`ready`, `error`, `reconnecting`, `end`) — and
 * so is its `error` listener: ioredis prints unhandled errors to stderr. Returns a function
 * that detaches (the connection then keeps a silent `error` listener).
 */
export function logConnectionState(
  conn: EventEmitter,
  logger: Logger,
  opts: ConnectionLogOptions,
): () => void {
  const now = opts.now ?? Date.now;
  const log = logger.child({ connection: opts.name });
  let state: State = 'connecting';
  let since = now();
  let errors = 0;
  let sinceSummary = 0;
  let attemptsSinceSummary = 0;
  let lastError: ReturnType<typeof describe> | undefined;
  let timer: NodeJS.Timeout | undefined;

  const stopSummary = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  const goDown = (err?: unknown) => {
    attemptsSinceSummary++;
    if (err !== undefined) {
      errors++;
      sinceSummary++;
      lastError = describe(err);
    }
    if (state === 'down') return;
    const wasConnected = state === 'connected';
    state = 'down';
    since = now();
    log.warn(
      { state: 'disconnected', ...lastError },
      wasConnected ? `${opts.name}: connection lost` : `${opts.name}: cannot connect`,
    );
    if (opts.summaryMs > 0) {
      timer = setInterval(() => {
        // No attempt in a whole period: the connection was closed while down (ioredis's
        // disconnect() then emits no `end`), so there is nothing left to report.
        if (attemptsSinceSummary === 0) return stopSummary();
        attemptsSinceSummary = 0;
        log.warn(
          { state: 'disconnected', downMs: now() - since, errors: sinceSummary, ...lastError },
          `${opts.name}: still disconnected`,
        );
        sinceSummary = 0;
      }, opts.summaryMs);
      // A summary never keeps a process alive that is otherwise done.
      timer.unref();
    }
  };

  const onReady = () => {
    stopSummary();
    if (state === 'down') {
      log.info({ state: 'connected', downMs: now() - since, errors }, `${opts.name}: reconnected`);
    } else if (state === 'connecting') {
      log.info({ state: 'connected' }, `${opts.name}: connected`);
    }
    state = 'connected';
    errors = 0;
    sinceSummary = 0;
    lastError = undefined;
  };
  const onError = (err: unknown) => goDown(err);
  // Emitted before each reconnect attempt: the connection is down even if no error came first.
  const onReconnecting = () => goDown();
  const onEnd = () => stopSummary();

  conn.on('ready', onReady);
  conn.on('error', onError);
  conn.on('reconnecting', onReconnecting);
  conn.on('end', onEnd);
  const silent = () => undefined;
  return () => {
    stopSummary();
    conn.off('ready', onReady);
    conn.off('reconnecting', onReconnecting);
    conn.off('end', onEnd);
    conn.on('error', silent);
    conn.off('error', onError);
  };
}
