import type { DigestState } from './rows';

/** One dataset of a day's archive: what was copied from which stream, and its digest. */
export interface DatasetManifest {
  readonly stream: string;
  /** First and last stream id copied ('' when the day had none). */
  readonly fromId: string;
  readonly toId: string;
  readonly digest: DigestState;
}

/**
 * Written after a day's copy was verified against its source: the commit point. A day with a
 * manifest is archived (re-runs skip the copy); trimming Redis never goes past days without one.
 */
export interface ArchiveManifest {
  readonly version: 1;
  readonly day: string;
  readonly sink: 'parquet' | 'postgres';
  readonly ticks: DatasetManifest;
  readonly anomalies: DatasetManifest;
  /**
   * False when Redis had already dropped entries of this day before the copy (the pipeline's
   * MAXLEN cap): the archive holds all that was left, not all that arrived.
   */
  readonly sourceComplete: boolean;
  readonly verifiedAt: number;
}
