import type { Logger } from '../../lib/logger';
import type { Redis } from '../../lib/redis';
import { groupLag } from '../stream-reader';

export interface LagWatchOptions {
  readonly redis: Redis;
  /** The raw stream of every partition: the feed writes to all of them. */
  readonly streams: readonly string[];
  readonly group: string;
  /** Throttle at this lag... */
  readonly maxLag: number;
  /** ...and release at half of it, so the feed does not flap around one value. */
  readonly checkMs: number;
  readonly logger: Logger;
  readonly onChange: (throttled: boolean) => void;
  /** Called with every lag read (null when unknown). */
  readonly onLag?: (lag: number | null) => void;
}

/**
 * Backpressure from the pipeline to the feeds: watches the normalize group's lag on every
 * partition's raw stream (entries not yet delivered to the group, XINFO GROUPS `lag`; the
 * largest counts) and says when a feed must stop reading. Stopping the read leaves the provider's data in the kernel's socket
 * buffers and then in the provider's send queue (TCP backpressure), instead of growing Redis
 * past what the pipeline can work off — and past MAXLEN, where unread entries would be
 * trimmed, i.e. lost. No group yet means nobody consumes: nothing to protect, no throttle.
 */
export class LagWatch {
  throttled = false;
  lag: number | null = null;
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  private warnedUnknown = false;

  constructor(private readonly opts: LagWatchOptions) {}

  start(): this {
    this.timer = setInterval(() => void this.check(), this.opts.checkMs);
    void this.check();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Reads the lag once and updates `throttled`. Errors leave the state as it was. */
  async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      this.lag = await this.readLag();
      this.opts.onLag?.(this.lag);
      const { maxLag } = this.opts;
      const next =
        this.lag === null ? false : this.throttled ? this.lag > maxLag / 2 : this.lag >= maxLag;
      if (next !== this.throttled) {
        this.throttled = next;
        this.opts.logger.info({ lag: this.lag, maxLag, throttled: next }, 'ingest backpressure');
        this.opts.onChange(next);
      }
    } catch (err) {
      this.opts.logger.warn({ err }, 'lag check failed');
    } finally {
      this.checking = false;
    }
  }

  private async readLag(): Promise<number | null> {
    const { redis, streams, group } = this.opts;
    let max: number | null = null;
    for (const stream of streams) {
      const lag = await groupLag(redis, stream, group);
      // Unknown (no group yet, or Redis cannot tell): this partition does not throttle. XLEN
      // would count read entries too and could stall the feed for good.
      if (lag === null && !this.warnedUnknown && (await redis.exists(stream))) {
        this.warnedUnknown = true;
        this.opts.logger.warn({ stream, group }, 'group lag unknown; no backpressure');
      }
      if (lag !== null && (max === null || lag > max)) max = lag;
    }
    return max;
  }
}
