import type { DigestState } from './rows';

/** What the copy took from one partition's stream of a dataset. */
export interface StreamRange {
  readonly partition: number;
  /** The Redis stream key it was copied from. */
  readonly stream: string;
  /** First and last stream id copied ('' when the partition had none that day). */
  readonly fromId: string;
  readonly toId: string;
  /** Entries copied from this stream. */
  readonly count: number;
}

/** One dataset of a day's archive: one digest over every partition, and each partition's range. */
export interface DatasetManifest {
  /** Count and order-independent checksum of the dataset's rows, all partitions together. */
  readonly digest: DigestState;
  /** One entry per partition copied, by partition number. */
  readonly streams: readonly StreamRange[];
}

/**
 * Written after a day's copy was verified against its source: the commit point. A day with a
 * manifest is archived (re-runs skip the copy); trimming Redis never goes past days without one.
 * One manifest covers every partition of the day.
 */
export interface ArchiveManifest {
  /**
   * The version it was written with. Version 1 (before partitions: one stream per dataset) is
   * read in this shape by {@link upgradeManifest}; new manifests are version 2.
   */
  readonly version: 1 | 2;
  readonly day: string;
  readonly sink: 'parquet' | 'postgres';
  /** PIPELINE_PARTITIONS when the day was copied (1 for a version-1 manifest). */
  readonly partitions: number;
  readonly ticks: DatasetManifest;
  readonly anomalies: DatasetManifest;
  /**
   * False when Redis had already dropped entries of this day before the copy (the pipeline's
   * MAXLEN cap): the archive holds all that was left, not all that arrived.
   */
  readonly sourceComplete: boolean;
  readonly verifiedAt: number;
}

/** A dataset as a version-1 manifest recorded it: one stream. */
export interface DatasetManifestV1 {
  readonly stream: string;
  readonly fromId: string;
  readonly toId: string;
  readonly digest: DigestState;
}

/** The manifest written before partitions (its rows are partition 0). */
export interface ArchiveManifestV1 {
  readonly version: 1;
  readonly day: string;
  readonly sink: 'parquet' | 'postgres';
  readonly ticks: DatasetManifestV1;
  readonly anomalies: DatasetManifestV1;
  readonly sourceComplete: boolean;
  readonly verifiedAt: number;
}

/** A manifest as stored: either version. */
export type StoredManifest = ArchiveManifest | ArchiveManifestV1;

function isV1(m: StoredManifest): m is ArchiveManifestV1 {
  return m.version === 1 && !('partitions' in m);
}

const NO_ROWS: DigestState = { count: 0, sum: '0000000000000000' };

// Stored JSON: a dataset missing from a hand-written or truncated manifest reads as empty
// rather than making the day unreadable (listing, metrics and restore read manifests).
function datasetOfV1(d: DatasetManifestV1 | undefined): DatasetManifest {
  if (!d) return { digest: NO_ROWS, streams: [] };
  const digest = d.digest ?? NO_ROWS;
  return {
    digest,
    streams: [
      { partition: 0, stream: d.stream, fromId: d.fromId, toId: d.toId, count: digest.count },
    ],
  };
}

/**
 * A stored manifest in the current shape. A version-1 manifest (a day archived before
 * partitions, from the single streams) becomes one partition, 0, with its stream and range: the
 * day still counts as archived, and its rows (stored without a partition) read as partition 0.
 */
export function upgradeManifest(m: StoredManifest): ArchiveManifest {
  if (!isV1(m)) return m;
  return {
    version: 1,
    day: m.day,
    sink: m.sink,
    partitions: 1,
    ticks: datasetOfV1(m.ticks),
    anomalies: datasetOfV1(m.anomalies),
    sourceComplete: m.sourceComplete,
    verifiedAt: m.verifiedAt,
  };
}
