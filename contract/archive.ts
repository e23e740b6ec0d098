import type {
  ArchiveManifest,
  Dataset,
  DatasetManifest,
  DigestState,
  SinkPosition,
  StreamRange,
} from '../lib/archive';
import { workflow } from './definitions';

/**
 * The archiveDay workflow's contract: input and result, what its copy activity returns and
 * heartbeats (the CLI reads the heartbeat for its progress bar), ids and defaults.
 */

export interface ArchiveDayInput {
  /** UTC day to archive, YYYY-MM-DD. Default: the day before the scheduled (or actual) start. */
  readonly day?: string;
  /** How soon a copy on a dead worker is retried elsewhere. @defaultValue {@link ARCHIVE_DEFAULTS}.heartbeatTimeoutMs */
  readonly heartbeatTimeoutMs?: number;
}

export interface ArchiveDayResult {
  readonly day: string;
  /**
   * `archived`: copied, verified, manifest written; `already-archived`: the manifest was there
   * (nothing copied); `already-running`: another run has the day (this one did nothing).
   */
  readonly outcome: 'archived' | 'already-archived' | 'already-running';
  readonly manifest?: ArchiveManifest;
  /** True when the copy went on from a checkpoint of an attempt that died. */
  readonly resumedCopy?: boolean;
  readonly trim?: TrimResult;
}

export const ARCHIVE_DEFAULTS = {
  heartbeatTimeoutMs: 60_000,
  /** The copy and the verification of a day. */
  longActivityTimeoutMs: 6 * 3_600_000,
  /** Manifest reads and writes, the trim. */
  shortActivityTimeoutMs: 600_000,
  maxAttempts: 10,
} as const;

/**
 * Where a copy resumes after a crash: all up to here is flushed in the sink. The copy goes
 * dataset by dataset (ticks, then anomalies), each partition by partition, each partition's
 * stream in id order; the checkpoint is a place in that order.
 */
export interface CopyCheckpoint {
  /** PIPELINE_PARTITIONS of the copy: a checkpoint of another P is not resumed (starts over). */
  readonly partitions: number;
  /** The dataset being copied. */
  readonly phase: Dataset;
  /** The partition of `phase` being copied. */
  readonly partition: number;
  /** The last stream id of that partition's stream flushed to the sink ('' = none of it yet). */
  readonly after: string;
  /** The same place as the sink sees it: what a resumed copy keeps. */
  readonly position: SinkPosition;
  readonly ticks: DatasetProgress;
  readonly anomalies: DatasetProgress;
}

/** One dataset's copy so far: the combined digest, and each partition's stream range. */
export interface DatasetProgress {
  readonly digest: DigestState;
  /** Partitions started so far, ascending (the current one included). */
  readonly streams: readonly StreamRange[];
}

/** The copy's heartbeat details: its resume point and its progress (the CLI's progress bar). */
export interface CopyProgress {
  readonly day: string;
  readonly phase: Dataset;
  /** The partition being copied, of `partitions`. */
  readonly partition: number;
  readonly partitions: number;
  /** Entries copied so far, per dataset (this attempt's included). */
  readonly ticks: number;
  readonly anomalies: number;
  /** Share of the current phase copied (every partition's day range together), 0..1. */
  readonly fraction: number;
  readonly checkpoint: CopyCheckpoint | undefined;
}

/** What a copy wrote: the manifest's datasets, before verification. */
export interface CopyResult {
  readonly day: string;
  /** PIPELINE_PARTITIONS of the copy: every partition's streams were copied. */
  readonly partitions: number;
  readonly ticks: DatasetManifest;
  readonly anomalies: DatasetManifest;
  readonly sourceComplete: boolean;
  readonly resumed: boolean;
}

/** What the trim did to one partition's stream of a dataset. */
export interface StreamTrim {
  readonly partition: number;
  readonly stream: string;
  /** The XTRIM MINID bound, or null when the retention rule allowed nothing. */
  readonly minId: string | null;
  readonly removed: number;
}

/** What the trim did to one dataset: entries removed over all partitions, and per partition. */
export interface DatasetTrim {
  readonly removed: number;
  readonly streams: readonly StreamTrim[];
}

export interface TrimResult {
  readonly ticks: DatasetTrim;
  readonly anomalies: DatasetTrim;
}

/** The workflow id of a day's archive: one id per day, so two archives of a day never overlap. */
export function archiveWorkflowId(day: string): string {
  return `archive-${day}`;
}

/** The nightly Schedule that starts archiveDay. */
export const ARCHIVE_SCHEDULE_ID = 'archive-nightly';
/** Workflow id of the Schedule's runs (each starts the day's run as the child `archive-<day>`). */
export const ARCHIVE_SCHEDULED_WORKFLOW_ID = 'archive-day';

/** Archives one closed UTC day: copy → verify → manifest → trim. */
export type ArchiveDayWorkflow = (input?: ArchiveDayInput) => Promise<ArchiveDayResult>;
export const archiveDayWorkflow = workflow<ArchiveDayWorkflow>()('archiveDay');
