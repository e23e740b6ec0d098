import type { Logger } from '../../lib/logger';
import { GroupLagResolver, type LagSource, type Redis } from '../../lib/redis';

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
  /**
   * When Redis reports the lag as nil, count the undelivered entries at most this often per
   * stream (see GroupLagResolver). @defaultValue 2000
   */
  readonly recountMs?: number;
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
  /** The last way each stream's lag was read, so a change of source is logged once. */
  private readonly sources = new Map<string, LagSource>();

  private readonly resolver: GroupLagResolver;

  constructor(private readonly opts: LagWatchOptions) {
    // A lag that would keep the feed throttled is counted, not taken from Redis's read counter
    // (too high after a Redis restart): the feed never stays throttled on a stale figure.
    this.resolver = new GroupLagResolver({
      bound: opts.maxLag,
      recountMs: opts.recountMs ?? 2000,
      verifyAbove: Math.floor(opts.maxLag / 2),
    });
  }

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
      // Nil lag from Redis (after an XDEL in the undelivered range, or a group moved without
      // ENTRIESREAD) is recomputed, so backpressure never switches off; counting stops at
      // maxLag, the figure the throttle acts on. No group yet: nobody consumes, no throttle.
      const read = await this.resolver.read(redis, stream, group);
      if (read === undefined) continue;
      if (this.sources.get(stream) !== read.source) {
        if (read.source !== 'redis' || this.sources.has(stream)) {
          this.opts.logger.info(
            { stream, group, lag: read.lag, source: read.source },
            'group lag source',
          );
        }
        this.sources.set(stream, read.source);
      }
      if (max === null || read.lag > max) max = read.lag;
    }
    return max;
  }
}
