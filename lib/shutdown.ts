import type { EventEmitter } from 'node:events';
import type { Logger } from './logger';

/**
 * Bounded shutdown. A process told to stop must be gone in a known time even while Redis or
 * Temporal cannot be reached: a supervisor (npm start, Kubernetes) waits for it, and a hung
 * QUIT or a client retrying its connection would otherwise keep it alive for minutes.
 */

/** What {@link closeRedis} needs of a connection (ioredis `Redis` and `Cluster` both have it). */
export interface ClosableConnection {
  readonly status: string;
  quit(): Promise<unknown>;
  disconnect(): void;
}

/**
 * Closes a Redis connection within `timeoutMs`: QUIT (pending replies are read first) when it
 * is up, else a disconnect at once — a QUIT sent while reconnecting would wait in the offline
 * queue for a server that may never come back.
 */
export async function closeRedis(conn: ClosableConnection, timeoutMs: number): Promise<void> {
  if (conn.status === 'end') return;
  if (conn.status !== 'ready') {
    conn.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  const quit = conn.quit().then(
    () => true,
    () => false,
  );
  const quitInTime = await Promise.race([quit, late.then(() => false)]);
  clearTimeout(timer);
  if (!quitInTime) conn.disconnect();
}

/** Options of {@link onShutdownSignals}. */
export interface ShutdownOptions {
  readonly logger: Logger;
  /** Longest time from the signal to the exit; then the process exits with code 1. */
  readonly timeoutMs: number;
  /** @defaultValue ['SIGTERM', 'SIGINT'] */
  readonly signals?: readonly NodeJS.Signals[];
  /** @defaultValue process.exit */
  readonly exit?: (code: number) => void;
  /** Where the signals arrive. @defaultValue process */
  readonly target?: EventEmitter;
}

/**
 * On the first SIGTERM or SIGINT: runs `stop` and exits 0 when it resolves (1 when it
 * throws); if it has not finished after `timeoutMs`, logs what was still going on and exits
 * 1. The deadline is armed before `stop` starts, so nothing `stop` waits for can hold the
 * process. Later signals are ignored (a second Ctrl-C does not cut a clean stop short).
 */
export function onShutdownSignals(
  stop: (signal: NodeJS.Signals) => Promise<void>,
  opts: ShutdownOptions,
): void {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    const started = Date.now();
    opts.logger.info({ signal, timeoutMs: opts.timeoutMs }, 'shutting down');
    const deadline = setTimeout(() => {
      opts.logger.error(
        { signal, timeoutMs: opts.timeoutMs },
        'shutdown did not finish in time; exiting',
      );
      exit(1);
    }, opts.timeoutMs);
    stop(signal).then(
      () => {
        clearTimeout(deadline);
        opts.logger.info({ ms: Date.now() - started }, 'stopped');
        exit(0);
      },
      (err: unknown) => {
        clearTimeout(deadline);
        opts.logger.error({ err }, 'shutdown failed');
        exit(1);
      },
    );
  };
  const target = opts.target ?? process;
  for (const s of opts.signals ?? ['SIGTERM', 'SIGINT']) target.on(s, handler);
}
