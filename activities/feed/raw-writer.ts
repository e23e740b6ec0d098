import type { Span } from '@opentelemetry/api';
import type { FrameEvent, ParsedFrame } from '../../lib/domain';
import { rawBatchItem, type RawBatchItem, type Redis } from '../../lib/redis';
import { tracingOn } from '../../lib/tracing';
import { endSends, FrameTrace } from './frame-trace';

export interface RawWriterOptions {
  readonly redis: Redis;
  /** Every partition's raw stream, by partition number. */
  readonly streams: readonly string[];
  /** The partition of an event with this symbol (FrameEvent.symbol; undefined when none). */
  readonly route: (symbol: string | undefined) => number;
  readonly feed: string;
  readonly adapter: string;
  /** Approximate cap on the stream's length (XADD MAXLEN ~). */
  readonly maxLen: number;
  /** Flush when this many events are buffered (over all partitions)... */
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
 * Buffers raw events and writes them to their partitions' raw streams in batches bounded by
 * count and by time: one `appendRaw` script call per partition per batch (an XADD per event
 * inside Redis; one slot each, so a Redis Cluster routes it to one node), several batches in
 * flight. A pipeline of single XADDs spent most of its time building ioredis commands; this
 * measured about twice as fast (see the bench). Writes of a partition stay in order (its calls
 * go to one node over one connection, in order). The first failed write is kept: the feed run
 * must fail so the gap is seen.
 */
export class RawWriter {
  private buffers: RawBatchItem[][];
  /** Producer spans of sampled frames whose events are in each partition's buffer. */
  private spans: Set<Span>[] | undefined;
  private buffered = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private readonly pending = new Set<Promise<void>>();
  /** The first write error, if any. */
  error: Error | undefined;

  constructor(private readonly opts: RawWriterOptions) {
    this.buffers = opts.streams.map(() => []);
  }

  get saturated(): boolean {
    return this.inFlight >= this.opts.maxInFlight;
  }

  /** Buffers what one frame held: its events, and its unparseable parts for the dead-letter stream. */
  addFrame(parsed: ParsedFrame, recvTs: number, skip?: (e: FrameEvent) => boolean): number {
    const trace = tracingOn()
      ? FrameTrace.start(this.opts.feed, this.opts.adapter, recvTs)
      : undefined;
    let added = 0;
    for (const e of parsed.events) {
      if (skip?.(e)) continue;
      const partition = this.opts.route(e.symbol);
      this.push(partition, e.sourceId, e.payload, recvTs, undefined, trace);
      added++;
    }
    for (const e of parsed.errors) {
      this.push(this.opts.route(undefined), '', e.payload, recvTs, e.reason, trace);
      added++;
    }
    trace?.received(added);
    return added;
  }

  private push(
    partition: number,
    sourceId: string,
    payload: string,
    recvTs: number,
    parseError: string | undefined,
    trace: FrameTrace | undefined,
  ): void {
    let traceparent: string | undefined;
    if (trace) {
      const send = trace.send(partition, this.opts.streams[partition]!);
      traceparent = send.traceparent;
      this.spans ??= this.opts.streams.map(() => new Set());
      this.spans[partition]!.add(send.span);
    }
    this.buffers[partition]!.push(
      rawBatchItem({ recvTs, sourceId, payload, parseError, traceparent }),
    );
    if (++this.buffered >= this.opts.flushCount) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.opts.flushMs);
  }

  /** Sends what is buffered now, without waiting for the reply. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.buffered === 0) return;
    this.buffered = 0;
    for (const [partition, batch] of this.buffers.entries()) {
      if (batch.length === 0) continue;
      this.buffers[partition] = [];
      const spans = this.spans?.[partition];
      if (spans?.size) this.spans![partition] = new Set();
      this.send(this.opts.streams[partition]!, batch, spans?.size ? spans : undefined);
    }
  }

  private send(stream: string, batch: RawBatchItem[], spans?: Set<Span>): void {
    const { redis, maxLen, feed, adapter } = this.opts;
    this.setInFlight(this.inFlight + 1);
    const p = redis
      .appendRaw(stream, maxLen, feed, adapter, JSON.stringify(batch))
      .then((added) => {
        if (added !== batch.length) throw new Error(`appendRaw added ${added} of ${batch.length}`);
        if (spans) endSends(spans);
        this.opts.onWritten(batch.length);
      })
      .catch((err: unknown) => {
        this.error ??= err instanceof Error ? err : new Error(String(err));
        if (spans) endSends(spans, this.error);
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
