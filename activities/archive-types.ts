import type { DatasetManifest, DigestState, Dataset, SinkPosition } from '../lib/archive';

/** Error types the archive workflow must not retry. */
export const ARCHIVE_ERRORS = {
  badDay: 'BadDay',
  dayNotClosed: 'DayNotClosed',
  mismatch: 'ArchiveMismatch',
} as const;

/** Where a copy resumes after a crash: all up to here is flushed in the sink. */
export interface CopyCheckpoint {
  readonly phase: Dataset;
  readonly position: SinkPosition;
  readonly ticks: DatasetProgress;
  readonly anomalies: DatasetProgress;
}

export interface DatasetProgress {
  readonly fromId: string;
  readonly toId: string;
  readonly digest: DigestState;
}

/** The copy's heartbeat details: its resume point and its progress (the CLI's progress bar). */
export interface CopyProgress {
  readonly day: string;
  readonly phase: Dataset;
  /** Entries copied so far, per dataset (this attempt's included). */
  readonly ticks: number;
  readonly anomalies: number;
  /** Share of the day's time range copied in the current phase, 0..1. */
  readonly fraction: number;
  readonly checkpoint: CopyCheckpoint | undefined;
}

/** What a copy wrote: the manifest's datasets, before verification. */
export interface CopyResult {
  readonly day: string;
  readonly ticks: DatasetManifest;
  readonly anomalies: DatasetManifest;
  readonly sourceComplete: boolean;
  readonly resumed: boolean;
}

export interface TrimResult {
  readonly ticks: { readonly minId: string | null; readonly removed: number };
  readonly anomalies: { readonly minId: string | null; readonly removed: number };
}
