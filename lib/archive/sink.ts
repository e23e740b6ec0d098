import { compareStreamIds } from '../redis/stream-ids';
import type { ArchiveManifest } from './manifest';
import type { ArchivedAnomaly, ArchivedTick } from './rows';

export type Dataset = 'ticks' | 'anomalies';

/**
 * Where an interrupted copy may go on from: everything up to these stream ids is durably in
 * the sink (the last `flush`). `part` numbers the next Parquet files, so a resumed copy never
 * overwrites a finished one.
 */
export interface SinkPosition {
  readonly ticksAfter: string;
  readonly anomaliesAfter: string;
  readonly part: number;
}

/** Writes one day. Rows arrive in stream-id order, ticks first, then anomalies. */
export interface DayWriter {
  appendTicks(rows: readonly ArchivedTick[]): Promise<void>;
  appendAnomalies(rows: readonly ArchivedAnomaly[]): Promise<void>;
  /** Makes everything appended so far durable: the copy may resume from here after a crash. */
  flush(): Promise<{ part: number }>;
  /** Flushes and makes the day's new content the one readers see, replacing any older copy. */
  publish(): Promise<void>;
  /** Drops what was not flushed and releases files or connections. */
  abort(): Promise<void>;
}

/**
 * Durable storage of archived days (Parquet files or PostgreSQL), selected by ARCHIVE_SINK.
 * Both keep prices as exact decimal text and give rows back in stream-id order.
 */
export interface ArchiveSink {
  readonly kind: 'parquet' | 'postgres';
  /**
   * Opens a day for writing. Without `resume` whatever an earlier unfinished copy left is
   * dropped; with it, only what was written after that position.
   */
  openDay(day: string, resume?: SinkPosition): Promise<DayWriter>;
  /** The day's published ticks in stream-id order, in batches (memory bounded). */
  scanTicks(day: string): AsyncIterable<readonly ArchivedTick[]>;
  scanAnomalies(day: string): AsyncIterable<readonly ArchivedAnomaly[]>;
  readManifest(day: string): Promise<ArchiveManifest | undefined>;
  /** Writes (or replaces) the day's manifest atomically: the archive's commit point. */
  writeManifest(manifest: ArchiveManifest): Promise<void>;
  /** Days with a manifest, ascending. */
  listDays(): Promise<string[]>;
  /**
   * Archived ticks of one ticker with fromMs <= ts < toMs, ascending by (ts, id), at most
   * `limit`, from the given days (partitions by stream-id day).
   */
  history(
    ticker: string,
    fromMs: number,
    toMs: number,
    limit: number,
    days: readonly string[],
  ): Promise<ArchivedTick[]>;
  close(): Promise<void>;
}

/** Orders ticks as history returns them: event time, then stream id. */
export function byTsThenId(a: ArchivedTick, b: ArchivedTick): number {
  return a.ts !== b.ts ? a.ts - b.ts : compareStreamIds(a.id, b.id);
}
