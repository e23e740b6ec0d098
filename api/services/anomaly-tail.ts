import { logConnectionState } from '../../lib/connection-log';
import type { Logger } from '../../lib/logger';
import {
  compareStreamIds,
  createRedis,
  decodeAnomaly,
  type Keys,
  type Redis,
  type StoredAnomaly,
} from '../../lib/redis';

type Entry = [id: string, fields: string[]];
type XReadReply = [stream: string, entries: Entry[]][] | null;

export type AnomalyListener = (anomaly: StoredAnomaly) => void;

export interface AnomalyTailOptions {
  /** Shared command connection, for catch-up reads. */
  readonly redis: Redis;
  /** URL for the tail's own connection: XREAD BLOCK holds a connection while it waits. */
  readonly redisUrl: string;
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
 * Follows the anomalies stream with one blocking reader for the whole process and hands each
 * new entry to every live `anomalyDetected` subscription. It starts with the first listener
 * and reads from the stream's end at that moment; subscriptions that resume from a cursor
 * catch up with plain XRANGE reads first (see {@link catchUp}).
 */
export class AnomalyTail {
  private readonly listeners = new Set<AnomalyListener>();
  private reader: Redis | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;
  /** Id of the last entry the tail has delivered (or the stream's end when it started). */
  private position = '0-0';

  constructor(private readonly opts: AnomalyTailOptions) {}

  get listenerCount(): number {
    return this.listeners.size;
  }

  /**
   * Registers a listener and returns the id from which it receives entries (everything after
   * it reaches the listener) and the unsubscribe function.
   */
  async listen(listener: AnomalyListener): Promise<{ from: string; unlisten: () => void }> {
    await this.ensureRunning();
    this.listeners.add(listener);
    return { from: this.position, unlisten: () => this.listeners.delete(listener) };
  }

  /** Entries after `after` up to and including `until`, page by page (oldest first). */
  async *catchUp(after: string, until: string, pageSize = 500): AsyncGenerator<StoredAnomaly> {
    let start = `(${after}`;
    for (;;) {
      if (compareStreamIds(start.slice(1), until) >= 0) return;
      const page = (await this.opts.redis.xrange(
        this.opts.keys.anomalies,
        start,
        until,
        'COUNT',
        pageSize,
      )) as Entry[];
      for (const [id, fields] of page) yield decodeAnomaly(id, fields);
      if (page.length < pageSize) return;
      start = `(${page[page.length - 1]![0]}`;
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.listeners.clear();
    const reader = this.reader;
    this.reader = undefined;
    // Disconnect rather than quit: QUIT would queue behind the blocked XREAD.
    reader?.disconnect();
    await this.running?.catch(() => undefined);
    this.running = undefined;
  }

  private async ensureRunning(): Promise<void> {
    if (this.running || this.stopping) return;
    const last = (await this.opts.redis.xrevrange(
      this.opts.keys.anomalies,
      '+',
      '-',
      'COUNT',
      1,
    )) as Entry[];
    if (this.running) return; // another listener started it meanwhile
    this.position = last[0]?.[0] ?? '0-0';
    const reader = createRedis(this.opts.redisUrl, { maxRetriesPerRequest: null });
    logConnectionState(reader, this.opts.logger, {
      name: 'anomaly tail',
      summaryMs: this.opts.connectionLogSummaryMs ?? 0,
    });
    this.reader = reader;
    this.running = this.loop(reader);
  }

  private async loop(reader: Redis): Promise<void> {
    const blockMs = this.opts.blockMs ?? 1000;
    while (!this.stopping && this.reader === reader) {
      let reply: XReadReply;
      try {
        reply = await reader.xread(
          'COUNT',
          500,
          'BLOCK',
          blockMs,
          'STREAMS',
          this.opts.keys.anomalies,
          this.position,
        );
      } catch (err) {
        if (this.stopping) return;
        this.opts.logger.warn({ err }, 'anomaly tail read failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      for (const [, entries] of reply ?? []) {
        for (const [id, fields] of entries) {
          this.position = id;
          const anomaly = decodeAnomaly(id, fields);
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
