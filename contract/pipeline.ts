import type { Stage } from '../lib/redis/keys';
import { query, signal, workflow } from './definitions';

/**
 * The pipeline workflow's contract: its input and status, the batch activities' input and
 * result, batch ids, and the defaults of its timeouts and attempts.
 */

export interface PipelineInput {
  /**
   * The partition this workflow runs (its streams and keys carry the hash tag `{p<N>}`).
   * @defaultValue 0 (runs started before partitions)
   */
  readonly partition?: number;
  /** Normalize batches in flight at once (one consumer each). @defaultValue {@link PIPELINE_DEFAULTS}.normalizeSlots */
  readonly normalizeSlots?: number;
  /** Stages this workflow runs (split them across workflows to scale or to measure). @defaultValue all */
  readonly stages?: readonly Stage[];
  /** Attempts per batch before it is recorded as failed. @defaultValue {@link PIPELINE_DEFAULTS}.maxAttempts */
  readonly maxAttempts?: number;
  /**
   * Start-to-close timeout of one batch activity: how soon a batch on a dead worker is
   * retried elsewhere. It must exceed PIPELINE_BLOCK_MS + PIPELINE_ACTIVITY_MAX_MS plus a
   * chunk's work. @defaultValue {@link PIPELINE_DEFAULTS}.batchTimeoutMs
   */
  readonly batchTimeoutMs?: number;
  /** How long one stage activity runs. @defaultValue {@link PIPELINE_DEFAULTS}.runMs */
  readonly runMs?: number;
  /** Stage activity heartbeat timeout. @defaultValue {@link PIPELINE_DEFAULTS}.heartbeatTimeoutMs */
  readonly heartbeatTimeoutMs?: number;
  /** Stage activity progress reports. @defaultValue {@link PIPELINE_DEFAULTS}.statusMs */
  readonly statusMs?: number;
  /** Totals carried across continue-as-new. */
  readonly totals?: Record<Stage, StageTotals>;
}

export const PIPELINE_DEFAULTS = {
  normalizeSlots: 2,
  maxAttempts: 5,
  /** Runs started before stage activities (processBatch): one short batch activity's timeout. */
  batchTimeoutMs: 120_000,
  /** How long one stage activity (runStage) runs before the workflow starts the next. */
  runMs: 900_000,
  /** How soon a stage activity on a dead worker is noticed and run on another. */
  heartbeatTimeoutMs: 5000,
  /** How often a running stage activity reports its counters to the workflow. */
  statusMs: 10_000,
} as const;

export interface StageTotals {
  batches: number;
  events: number;
  out: number;
  deadLettered: number;
  anomalies: number;
  failed: number;
  /** Dropped as duplicates (normalize). */
  duplicates?: number;
  /** Entries of the stage's stream not yet delivered to its group, as of the last batch. */
  lag?: number | null;
  /** Events per second over the last few activities. */
  eventsPerSecond?: number;
  lastBatchId?: string;
}

export interface PipelineStatus {
  readonly stages: Record<Stage, StageTotals>;
  lastFailure?: { stage: Stage; batchId: string | null; error: string };
}

/** Totals per stage (see {@link PipelineStatus}). */
export const pipelineStatusQuery = query<PipelineStatus>('status');

/** What one batch did, by outcome. */
export interface StageCounts {
  /** Events written downstream (normalized ticks, quotes written, anomalies). */
  out: number;
  deadLettered: number;
  /** Anomalies found (anomaly stage). */
  anomalies: number;
}

/** Input of the processBatch activity. */
export interface BatchInput {
  readonly partition: number;
  readonly stage: Stage;
  /** Slot number within the stage: each slot is one consumer, so a retry resumes its own batch. */
  readonly slot: number;
}

/** Result of the processBatch and replayFailedBatch activities. */
export interface BatchResult extends StageCounts {
  readonly partition: number;
  readonly stage: Stage;
  readonly slot: number;
  /** Entries read (and acknowledged). */
  count: number;
  /** Dropped as duplicates (normalize). */
  duplicates: number;
  /** Chunks committed by this activity. */
  chunks: number;
  firstId?: string;
  lastId?: string;
  /** False when a chunk had already been committed by an earlier attempt. */
  applied: boolean;
  /** The group's lag on its stream after this activity (null when unknown). */
  lag?: number | null;
}

/**
 * Input of the runStage activity: one stage slot of one partition, worked chunk after chunk
 * for `runMs`.
 */
export interface StageRunInput extends BatchInput {
  readonly runMs: number;
  /** Attempts of one chunk whose processing fails on its content before it is quarantined. */
  readonly maxAttempts: number;
  /** How often progress is signalled to the workflow. */
  readonly statusMs: number;
}

/** What a stage activity did; the same shape is signalled as progress while it runs. */
export interface StageRunResult extends BatchResult {
  /**
   * Why it returned: its run time was up, the worker is shutting down, a chunk failed every
   * attempt and was recorded as failed (`quarantined`), or a newer attempt of the same slot
   * took over (`fenced`).
   */
  readonly ended?: 'run-time' | 'shutdown' | 'quarantined' | 'fenced' | 'cancelled';
  /** The failed batch it recorded, when it ended `quarantined`. */
  readonly quarantined?: { readonly batchId: string; readonly error: string };
  /** Events per second over its last report interval. */
  readonly eventsPerSecond?: number;
  /** First stream id of the last chunk it committed: that chunk's batch id is built from it. */
  readonly lastChunkId?: string;
}

/** A running stage activity's counters (the `status` query shows them before it returns). */
export const stageProgressSignal = signal<[StageRunResult]>('stageProgress');

/** Input of the quarantineBatch activity: a slot whose batch used up its attempts. */
export interface QuarantineInput extends BatchInput {
  readonly error: string;
  readonly attempts: number;
}

/**
 * A batch's id: its stage, its partition and the stream id of its first entry
 * (`anomaly-p3-1700000000000-0`).
 */
export function batchId(stage: Stage, partition: number, firstStreamId: string): string {
  return `${stage}-p${partition}-${firstStreamId}`;
}

/**
 * The shape of a batch id (any stage name); ids recorded before partitions have no `p<N>`
 * part (`anomaly-1700000000000-0`) and read as partition 0.
 */
export const BATCH_ID_PATTERN = /^([a-z]+)-(?:p(\d{1,4})-)?(\d{1,20}-\d{1,20})$/;

/** A batch id's parts; undefined when the text is not a batch id. */
export function parseBatchId(
  id: string,
): { stage: string; partition: number; firstStreamId: string } | undefined {
  const m = BATCH_ID_PATTERN.exec(id);
  return m ? { stage: m[1]!, partition: Number(m[2] ?? 0), firstStreamId: m[3]! } : undefined;
}

/** The id of one partition's pipeline workflow: `<base>-p<N>` (base: PIPELINE_WORKFLOW_ID). */
export function pipelineWorkflowId(base: string, partition: number): string {
  return `${base}-p${partition}`;
}

/**
 * Loops batch activities over the consumer groups: normalize (several slots), cachepub and
 * anomaly; query `status`.
 */
export type PipelineWorkflow = (input?: PipelineInput) => Promise<void>;
export const pipelineWorkflow = workflow<PipelineWorkflow>()('pipeline');
