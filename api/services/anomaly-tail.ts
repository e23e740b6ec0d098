import { logConnectionState } from '../../lib/connection-log';
import type { Logger } from '../../lib/logger';
import {
  compareStreamIds,
  createRedis,
  decodeAnomaly,
  type Keys,
  type Redis,
  type RedisTarget,
  type StoredAnomaly,
} from '../../lib/redis';

type Entry = [id: string, fields: string[]];
type XReadReply = [stream: string, entries: Entry[]][] | null;

/** An anomaly with the partition whose stream holds it. */
export type PartitionedAnomaly = StoredAnomaly & {
  readonly partition: number;
  /** Set by a subscription: the cursor of its position once it delivered this anomaly. */
  readonly cursor?: string;
};

export type AnomalyListener = (anomaly: PartitionedAnomaly) => void;

export interface AnomalyTailOptions {
  /** Shared command connection, for start positions and catch-up reads. */
  readonly redis: Redis;
  /** Where each reader's own connection goes: XREAD BLOCK holds a connection while it waits. */
  readonly redisTarget: RedisTarget;
  readonly keys: Keys;
  readonly logger: Logger;
  /** How long one XREAD waits; bounds how long stop() takes. @defaultValue 1000 */
  readonly blockMs?: number;
  /**
   * Period of its connection's "still disconnected" log line (CONNECTION_LOG_SUMMARY_MS).
   * @defaultValue 0 (state changes only)
   */
  readonly connectionLogSummaryMs?: number;
}

/**
 * Follows every partition's anomalies stream and hands each new entry to every live
 * `anomalyDetected` subscription. One blocking reader per partition, each on its own
 * connection: an XREAD over several partitions' streams spans hash slots, which a Redis
 * Cluster refuses. It starts with the first listener, from each stream's end at that moment;
 * subscriptions that resume from a cursor catch up with plain XRANGE reads first (see
 * {@link catchUp}). Within a partition entries arrive in stream order.
 */
export class AnomalyTail {
  private readonly listeners = new Set<AnomalyListener>();
  private readers: Redis[] = [];
  private running: Promise<void>[] = [];
  private starting: Promise<void> | undefined;
  private stopping = false;
  /** Per partition, the id of the last entry the tail delivered (or the end when it started). */
  private positions: string[] = [];

  constructor(private readonly opts: AnomalyTailOptions) {}

  get listenerCount(): number {
    return this.listeners.size;
  }

  /**
   * Registers a listener and returns, per partition, the id after which it receives that
   * partition's entries, and the unsubscribe function.
   */
  async listen(listener: AnomalyListener): Promise<{ from: string[]; unlisten: () => void }> {
    await this.ensureRunning();
    this.listeners.add(listener);
    return { from: [...this.positions], unlisten: () => this.listeners.delete(listener) };
  }

  /**
   * Per partition, the entries after `after[p]` up to and including `until[p]`, merged over the
   * partitions by stream id (ties by partition), page by page.
   */
  async *catchUp(
    after: readonly string[],
    until: readonly string[],
    pageSize = 500,
  ): AsyncGenerator<PartitionedAnomaly> {
    const lanes = this.opts.keys.all.map((k) => ({
      partition: k.partition,
      key: k.anomalies,
      start: after[k.partition] ?? '0-0',
      end: until[k.partition] ?? '0-0',
      buffer: [] as Entry[],
      more: true,
    }));
    const fill = async (lane: (typeof lanes)[number]) => {
      if (lane.buffer.length > 0 || !lane.more) return;
      if (compareStreamIds(lane.start, lane.end) >= 0) {
        lane.more = false;
        return;
      }
      const page = (await this.opts.redis.xrange(
        lane.key,
        `(${lane.start}`,
        lane.end,
        'COUNT',
        pageSize,
      )) as Entry[];
      lane.buffer = page;
      lane.more = page.length === pageSize;
      if (page.length > 0) lane.start = page[page.length - 1]![0];
    };
    for (;;) {
      await Promise.all(lanes.map(fill));
      let next: (typeof lanes)[number] | undefined;
      for (const lane of lanes) {
        const head = lane.buffer[0];
        if (!head) continue;
        const best = next?.buffer[0];
        if (!best || compareStreamIds(head[0], best[0]) < 0) next = lane;
      }
      if (!next) return;
      const [id, fields] = next.buffer.shift()!;
      yield { ...decodeAnomaly(id, fields), partition: next.partition };
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.listeners.clear();
    await this.starting?.catch(() => undefined);
    const readers = this.readers;
    this.readers = [];
    // Disconnect rather than quit: QUIT would queue behind the blocked XREAD.
    for (const r of readers) r.disconnect();
    await Promise.all(this.running.map((r) => r.catch(() => undefined)));
    this.running = [];
  }

  private ensureRunning(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    this.starting ??= this.start();
    return this.starting;
  }

  private async start(): Promise<void> {
    const { keys, redis } = this.opts;
    const ends = await Promise.all(
      keys.all.map((k) => redis.xrevrange(k.anomalies, '+', '-', 'COUNT', 1) as Promise<Entry[]>),
    );
    if (this.stopping) return;
    this.positions = ends.map((last) => last[0]?.[0] ?? '0-0');
    for (const k of keys.all) {
      const reader = createRedis(this.opts.redisTarget, { maxRetriesPerRequest: null });
      logConnectionState(reader, this.opts.logger.child({ partition: k.partition }), {
        name: 'anomaly tail',
        summaryMs: this.opts.connectionLogSummaryMs ?? 0,
      });
      this.readers.push(reader);
      this.running.push(this.loop(reader, k.partition, k.anomalies));
    }
  }

  private async loop(reader: Redis, partition: number, key: string): Promise<void> {
    const blockMs = this.opts.blockMs ?? 1000;
    while (!this.stopping && this.readers.includes(reader)) {
      let reply: XReadReply;
      try {
        reply = await reader.xread(
          'COUNT',
          500,
          'BLOCK',
          blockMs,
          'STREAMS',
          key,
          this.positions[partition]!,
        );
      } catch (err) {
        if (this.stopping) return;
        this.opts.logger.warn({ err, partition }, 'anomaly tail read failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      for (const [, entries] of reply ?? []) {
        for (const [id, fields] of entries) {
          this.positions[partition] = id;
          const anomaly: PartitionedAnomaly = { ...decodeAnomaly(id, fields), partition };
          for (const listener of this.listeners) {
            try {
              listener(anomaly);
            } catch (err) {
              this.opts.logger.error({ err }, 'anomaly listener failed');
            }
          }
        }
      }
    }
  }
}
