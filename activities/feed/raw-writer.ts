import type { FrameEvent, ParsedFrame } from '../../lib/domain';
import { encodeRaw, type Redis } from '../../lib/redis';

export interface RawWriterOptions {
  readonly redis: Redis;
  readonly stream: string;
  readonly feed: string;
  readonly adapter: string;
  /** Approximate cap on the stream's length (XADD MAXLEN ~). */
  readonly maxLen: number;
  /** Flush when this many events are buffered... */
  readonly flushCount: number;
  /** ...or this long after the first one was buffered. */
  readonly flushMs: number;
  /** Pipelined flushes in flight beyond which the writer reports itself saturated. */
  readonly maxInFlight: number;
  /** Called with the number of events each successful flush wrote. */
  readonly onWritten: (events: number) => void;
  /** Called whenever `saturated` changes, so the reader can pause or resume its source. */
  readonly onSaturation: (saturated: boolean) => void;
}

/**
 * Buffers raw events and writes them to `raw:events` with pipelined, batched XADD, bounded by
 * count and by time. Writes stay in order (one connection, pipelines sent in order). The
 * first failed write is kept: the feed run must fail so the gap is seen, not carry on past it.
 */
export class RawWriter {
  private buffer: string[][] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private readonly pending = new Set<Promise<void>>();
  /** The first write error, if any. */
  error: Error | undefined;

  constructor(private readonly opts: RawWriterOptions) {}

  get saturated(): boolean {
    return this.inFlight >= this.opts.maxInFlight;
  }

  /** Buffers what one frame held: its events, and its unparseable parts for the dead-letter stream. */
  addFrame(parsed: ParsedFrame, recvTs: number, skip?: (e: FrameEvent) => boolean): number {
    let added = 0;
    for (const e of parsed.events) {
      if (skip?.(e)) continue;
      this.push(e.sourceId, e.payload, recvTs, undefined);
      added++;
    }
    for (const e of parsed.errors) {
      this.push('', e.payload, recvTs, e.reason);
      added++;
    }
    return added;
  }

  private push(sourceId: string, payload: string, recvTs: number, parseError?: string): void {
    const { feed, adapter } = this.opts;
    this.buffer.push(encodeRaw({ feed, adapter, recvTs, sourceId, payload, parseError }));
    if (this.buffer.length >= this.opts.flushCount) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.opts.flushMs);
  }

  /** Sends what is buffered now, without waiting for the reply. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    const { redis, stream, maxLen } = this.opts;
    const pipe = redis.pipeline();
    for (const fields of batch) pipe.xadd(stream, 'MAXLEN', '~', maxLen, '*', ...fields);
    this.setInFlight(this.inFlight + 1);
    const p = pipe
      .exec()
      .then((replies) => {
        const failed = replies?.find(([err]) => err);
        if (failed) throw failed[0] as Error;
        this.opts.onWritten(batch.length);
      })
      .catch((err: unknown) => {
        this.error ??= err instanceof Error ? err : new Error(String(err));
      })
      .finally(() => {
        this.setInFlight(this.inFlight - 1);
        this.pending.delete(p);
      });
    this.pending.add(p);
  }

  /** Flushes and waits for every write to be answered. */
  async drain(): Promise<void> {
    this.flush();
    while (this.pending.size > 0) await Promise.all(this.pending);
  }

  private setInFlight(n: number): void {
    const was = this.saturated;
    this.inFlight = n;
    if (was !== this.saturated) this.opts.onSaturation(this.saturated);
  }
}
