import { ApplicationFailure } from '@temporalio/common';
import { FAILURE, type FeedInput } from '../../contract';
import type { ConnectOptions, FeedAdapter } from '../../lib/domain';
import type { Logger } from '../../lib/logger';
import type { ActivityDeps } from '../deps';
import type { LagWatch } from './lag-watch';
import type { ProgressReporter } from './progress';
import type { RawWriter } from './raw-writer';

/** Why a run stopped: its caller turns this into a return or the right failure. */
export type StopReason =
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'shutdown' }
  | { readonly kind: 'max-run' }
  | { readonly kind: 'failed'; readonly error: Error };

/**
 * What one feed run shares between its transport (WebSocket or HTTP polling) and the
 * machinery around it: the writer, the lag watch, the progress reporter and the stop switch.
 */
export class FeedSession {
  private readonly stopper = new AbortController();
  private readonly flowListeners = new Set<() => void>();
  stopReason: StopReason | undefined;

  constructor(
    readonly input: FeedInput,
    readonly adapter: FeedAdapter,
    readonly connect: ConnectOptions,
    readonly deps: ActivityDeps,
    readonly log: Logger,
    readonly writer: RawWriter,
    readonly lag: LagWatch,
    readonly reporter: ProgressReporter,
  ) {}

  get progress() {
    return this.reporter.progress;
  }

  /** Aborted when the run must end; transports pass it to sockets, fetches and sleeps. */
  get signal(): AbortSignal {
    return this.stopper.signal;
  }

  get stopped(): boolean {
    return this.stopper.signal.aborted;
  }

  /** Ends the run; the first reason wins. */
  stop(reason: StopReason): void {
    if (this.stopReason) return;
    this.stopReason = reason;
    this.stopper.abort();
  }

  /** Ends the run with a failure retrying cannot fix (bad credentials). */
  failAuth(message: string): void {
    this.reporter.error(message);
    this.stop({
      kind: 'failed',
      error: ApplicationFailure.nonRetryable(
        `feed ${this.input.name}: ${message}`,
        FAILURE.feedAuth,
      ),
    });
  }

  /** True while the source must not be read: Redis writes or the pipeline are behind. */
  get hold(): boolean {
    return this.writer.saturated || this.lag.throttled;
  }

  /** Subscribes to changes of `hold`; returns the unsubscribe function. */
  onFlow(listener: () => void): () => void {
    this.flowListeners.add(listener);
    return () => this.flowListeners.delete(listener);
  }

  flowChanged(): void {
    this.progress.throttled = this.lag.throttled;
    this.progress.lag = this.lag.lag;
    for (const l of this.flowListeners) l();
  }

  /** Sleeps, waking early when the run stops. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopped) return resolve();
      const done = () => {
        clearTimeout(t);
        this.signal.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Waits until reading may go on (or the run stops). */
  async waitForFlow(): Promise<void> {
    while (this.hold && !this.stopped) {
      await new Promise<void>((resolve) => {
        const off = this.onFlow(() => {
          off();
          resolve();
        });
        void this.sleep(this.deps.config.ingest.lagCheckMs).then(() => {
          off();
          resolve();
        });
      });
    }
  }
}
