import { compareStreamIds } from '../redis/stream-ids';
import type { ArchiveManifest } from './manifest';
import type { ArchivedAnomaly, ArchivedTick } from './rows';

export type Dataset = 'ticks' | 'anomalies';

/**
 * A place in one dataset of a day, in the order the copy writes it (partition by partition,
 * each in stream-id order): rows of `partition` up to `after` and of every partition below it.
 * `after` '' holds nothing of `partition` itself.
 */
export interface StreamPosition {
  readonly partition: number;
  readonly after: string;
}

/**
 * Where an interrupted copy may go on from: everything up to these positions is durably in the
 * sink (the last `flush`), anything after them is dropped when the day is opened again. `part`
 * numbers the next Parquet files, so a resumed copy never overwrites a finished one.
 */
export interface SinkPosition {
  readonly ticks: StreamPosition;
  readonly anomalies: StreamPosition;
  readonly part: number;
}

/** Nothing of the day kept: a copy from the start. */
export const START_POSITION: SinkPosition = {
  ticks: { partition: 0, after: '' },
  anomalies: { partition: 0, after: '' },
  part: 0,
};

/**
 * True when the row (partition, id) lies after `pos`, i.e. a resumed copy drops it. Rows of a
 * partition above it are after; of a partition below, not; of the same one, by stream id.
 */
export function isAfter(pos: StreamPosition, partition: number, id: string): boolean {
  if (partition !== pos.partition) return partition > pos.partition;
  return pos.after === '' || compareStreamIds(id, pos.after) > 0;
}

/**
 * Writes one day. Rows arrive in the copy's order: ticks first, then anomalies; each partition
 * by partition (ascending), each partition in stream-id order.
 */
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
 * Both keep prices as exact decimal text and give a day's rows back in the order the copy
 * wrote them: by partition, then stream id ({@link byPartitionThenId}).
 */
export interface ArchiveSink {
  readonly kind: 'parquet' | 'postgres';
  /**
   * Opens a day for writing. Without `resume` whatever an earlier unfinished copy left is
   * dropped; with it, only what was written after that position.
   */
  openDay(day: string, resume?: SinkPosition): Promise<DayWriter>;
  /**
   * The day's published ticks by partition, then stream id, in batches (memory bounded); rows
   * archived before partitions are partition 0.
   */
  scanTicks(day: string): AsyncIterable<readonly ArchivedTick[]>;
  scanAnomalies(day: string): AsyncIterable<readonly ArchivedAnomaly[]>;
  /** The day's manifest in the current shape (a version-1 manifest upgraded), if archived. */
  readManifest(day: string): Promise<ArchiveManifest | undefined>;
  /** Writes (or replaces) the day's manifest atomically: the archive's commit point. */
  writeManifest(manifest: ArchiveManifest): Promise<void>;
  /** Days with a manifest, ascending. */
  listDays(): Promise<string[]>;
  /**
   * Archived ticks of one ticker with fromMs <= ts < toMs, ascending by (ts, id, partition), at
   * most `limit`, from the given days (days by stream-id day).
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

/**
 * Orders ticks as history returns them: event time, then stream id, then partition (a ticker
 * keeps its partition, so the last matters only for days archived under another P).
 */
export function byTsThenId(a: ArchivedTick, b: ArchivedTick): number {
  if (a.ts !== b.ts) return a.ts - b.ts;
  return compareStreamIds(a.id, b.id) || a.partition - b.partition;
}

/** The order of a day's rows in a sink: partition, then stream id (a row's identity). */
export function byPartitionThenId(
  a: { partition: number; id: string },
  b: { partition: number; id: string },
): number {
  return a.partition - b.partition || compareStreamIds(a.id, b.id);
}
