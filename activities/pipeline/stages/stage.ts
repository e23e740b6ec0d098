import type { StageCounts } from '../../../contract';
import type { AnomalyParams, InputLimits } from '../../../lib/domain';
import type { BatchCommit, PartitionKeys, Redis, Stage } from '../../../lib/redis';
import type { StageMetrics } from '../../metrics';
import type { StreamEntry } from '../../stream-reader';

export type { StageCounts } from '../../../contract';

export interface StageContext {
  readonly redis: Redis;
  /** The keys of the partition the batch belongs to: a commit touches no other. */
  readonly keys: PartitionKeys;
  /** Partitions in all (to check that an event was routed to the partition of its ticker). */
  readonly partitions: number;
  readonly sectors: ReadonlyMap<string, string>;
  /** Bounds a normalized tick must keep (NORMALIZE_*). */
  readonly limits: InputLimits;
  readonly anomaly: AnomalyParams;
  /** Cap on output stream lengths (MAXLEN ~). */
  readonly maxLen: number;
  /** Window within which a repeated provider event is dropped; 0 turns de-duplication off. */
  readonly dedupeWindowMs: number;
  readonly now: number;
  /** Freshness, dead-letter reasons and anomalies as the chunk is built (absent: not measured). */
  readonly metrics?: StageMetrics;
  /** The chunk's trace, when it is traced: outputs of sampled entries carry its context. */
  readonly trace?: ChunkTrace;
}

/** A traced chunk: which entries were sampled, and the context their outputs carry on. */
export interface ChunkTrace {
  /** Stream ids of the chunk's entries that carried a trace context. */
  readonly sampled: ReadonlySet<string>;
  /** The chunk span's W3C `traceparent`. */
  readonly traceparent: string;
}

/**
 * One pipeline stage: where it reads, and how a batch of entries becomes writes on a
 * BatchCommit. The same code serves live batches and replays of failed ones.
 */
export interface StageProcessor {
  readonly stage: Stage;
  source(keys: PartitionKeys): string;
  build(
    entries: readonly StreamEntry[],
    commit: BatchCommit,
    ctx: StageContext,
  ): Promise<StageCounts>;
}
