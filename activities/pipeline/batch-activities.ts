import { ApplicationFailure } from '@temporalio/common';
import {
  FAILURE,
  batchId,
  parseBatchId,
  type BatchInput,
  type BatchResult,
  type QuarantineInput,
  type ReplayBatchInput,
  type ReplayBatchResult,
} from '../../contract';
import {
  BatchCommit,
  findFailedBatch,
  encodeFailedBatch,
  GROUPS,
  STAGES,
  type FailedBatch,
  type Stage,
} from '../../lib/redis';
import { activityLogger, type ActivityDeps } from '../deps';
import { ensureGroup, groupLag, readBatch, readByIds, type StreamEntry } from '../stream-reader';
import { STAGE_PROCESSORS, type StageContext } from './stages';

/**
 * processBatch's limits: the short batch activity of pipeline runs started before runStage,
 * kept so such runs finish on this code (new runs use runStage).
 */
const LEGACY_BATCH = { activityMaxEvents: 20_000, activityMaxMs: 2000 } as const;

/** The consumer name of a stage slot; stable across workers and attempts on purpose. */
export function consumerName(stage: Stage, slot: number): string {
  return `${stage}-${slot}`;
}

/** What a stage's processor needs for a batch of one partition. */
export function stageContext(deps: ActivityDeps, partition: number): StageContext {
  return {
    redis: deps.redis,
    keys: deps.keys.partition(partition),
    partitions: deps.keys.partitions,
    sectors: deps.sectors,
    limits: deps.config.normalize,
    anomaly: deps.config.anomaly,
    maxLen: deps.config.pipeline.streamMaxLen,
    dedupeWindowMs: deps.config.pipeline.dedupeWindowMs,
    now: deps.now(),
    metrics: deps.metrics.stages,
  };
}

export function createPipelineActivities(deps: ActivityDeps) {
  const { redis, keys, config, metrics } = deps;

  return {
    /**
     * Creates the consumer groups a partition's stages read through; harmless when they exist.
     * Without a partition (runs started before partitions): partition 0.
     */
    async ensureGroups(input: { partition?: number } = {}): Promise<Stage[]> {
      const pk = keys.partition(input.partition ?? 0);
      const created: Stage[] = [];
      for (const stage of STAGES) {
        const source = STAGE_PROCESSORS[stage].source(pk);
        if (await ensureGroup(redis, source, GROUPS[stage])) created.push(stage);
      }
      return created;
    },

    /**
     * Pipeline runs started before runStage: works a stage slot for one short activity:
     * reads a chunk of up to PIPELINE_BATCH_SIZE entries, processes it and commits its writes
     * together with its acknowledgements, and goes on with the next chunk until the stream is
     * drained, 20,000 events are done or 2 s have passed. Each chunk commits atomically, so a
     * retry after a crash resumes with the one chunk left pending. Only the first read waits
     * (up to PIPELINE_BLOCK_MS); chunks after it take what is there.
     */
    async processBatch(input: BatchInput): Promise<BatchResult> {
      const partition = input.partition ?? 0;
      const processor = STAGE_PROCESSORS[input.stage];
      const source = processor.source(keys.partition(partition));
      const group = GROUPS[input.stage];
      const { batchSize } = config.pipeline;
      const { activityMaxEvents, activityMaxMs } = deps.legacyBatch ?? LEGACY_BATCH;
      const deadline = deps.now() + activityMaxMs;
      const total: BatchResult = {
        ...input,
        out: 0,
        deadLettered: 0,
        anomalies: 0,
        duplicates: 0,
        count: 0,
        chunks: 0,
        applied: true,
      };
      for (let first = true; ; first = false) {
        const started = process.hrtime.bigint();
        const entries = await deps.blocking.use((conn) =>
          readBatch(
            redis,
            {
              stream: source,
              group,
              consumer: consumerName(input.stage, input.slot),
              count: batchSize,
              blockMs: first ? config.pipeline.blockMs : 0,
              lingerMs: first ? config.pipeline.lingerMs : 0,
              claimIdleMs: first ? config.pipeline.claimIdleMs : undefined,
            },
            conn,
          ),
        );
        if (entries.length === 0) break;
        const ids = entries.map(([id]) => id);
        const commit = new BatchCommit(source, group, ids);
        const counts = await processor.build(entries, commit, stageContext(deps, partition));
        const result = await commit.exec(redis);
        const out = counts.out - result.duplicates;

        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        metrics.batchDuration.observe({ stage: input.stage }, seconds);
        if (result.applied) {
          const inc = (outcome: string, n: number) =>
            n > 0 && metrics.batchEvents.inc({ stage: input.stage, outcome }, n);
          inc('ok', entries.length - counts.deadLettered - result.duplicates);
          inc('dead_letter', counts.deadLettered);
          inc('duplicate', result.duplicates);
          total.out += out;
          total.deadLettered += counts.deadLettered;
          total.anomalies += counts.anomalies;
          total.duplicates += result.duplicates;
        } else {
          total.applied = false;
        }
        activityLogger(deps.logger, {
          stage: input.stage,
          batchId: batchId(input.stage, partition, ids[0]!),
        }).debug(
          {
            count: entries.length,
            ...counts,
            duplicates: result.duplicates,
            applied: result.applied,
            seconds,
          },
          'batch committed',
        );
        total.count += entries.length;
        total.chunks++;
        total.firstId ??= ids[0];
        total.lastId = ids[ids.length - 1];
        if (entries.length < batchSize) break;
        if (total.count >= activityMaxEvents || deps.now() >= deadline) break;
      }
      total.lag = await groupLag(redis, source, group);
      return total;
    },

    /**
     * Records a slot's unacknowledged batch as failed (with the error and attempts) and
     * acknowledges it in the same step, so the pipeline moves on and the batch can be replayed.
     * Returns the batch id, or null when the slot had nothing pending.
     */
    async quarantineBatch(input: QuarantineInput): Promise<string | null> {
      const partition = input.partition ?? 0;
      const pk = keys.partition(partition);
      const processor = STAGE_PROCESSORS[input.stage];
      const source = processor.source(pk);
      const group = GROUPS[input.stage];
      const pending = (await redis.xpending(
        source,
        group,
        '-',
        '+',
        config.pipeline.batchSize,
        consumerName(input.stage, input.slot),
      )) as [string, string, number, number][];
      const ids = pending.map(([id]) => id);
      if (ids.length === 0) return null;
      const batch: FailedBatch = {
        batchId: batchId(input.stage, partition, ids[0]!),
        stage: input.stage,
        stream: source,
        ids,
        error: input.error.slice(0, 2000),
        attempts: input.attempts,
        failedAt: deps.now(),
      };
      await new BatchCommit(source, group, ids)
        .xadd(pk.failedBatches, encodeFailedBatch(batch))
        .hincrby(pk.pipelineStats, `${input.stage}:failed`, ids.length)
        .exec(redis);
      metrics.batchesFailed.inc({ stage: input.stage });
      activityLogger(deps.logger, { stage: input.stage, batchId: batch.batchId }).error(
        { ids: ids.length, error: batch.error },
        'batch failed permanently; recorded for replay',
      );
      return batch.batchId;
    },

    /**
     * Re-runs a recorded failed batch through its stage. Commits at most once per batch id,
     * so replaying twice is harmless.
     */
    async replayFailedBatch(input: ReplayBatchInput): Promise<ReplayBatchResult> {
      const partition = parseBatchId(input.batchId)?.partition ?? 0;
      const pk = keys.partitions > partition ? keys.partition(partition) : undefined;
      const batch = pk && (await findFailedBatch(redis, pk, input.batchId));
      if (!batch) {
        throw ApplicationFailure.nonRetryable(
          `no failed batch ${input.batchId}`,
          FAILURE.unknownBatch,
        );
      }
      const stage = batch.stage as Stage;
      const processor = STAGE_PROCESSORS[stage];
      if (!processor)
        throw ApplicationFailure.nonRetryable(`unknown stage ${batch.stage}`, FAILURE.unknownStage);
      const entries: StreamEntry[] = await readByIds(redis, batch.stream, batch.ids);
      const commit = new BatchCommit(batch.stream, GROUPS[stage], [], {
        kind: 'once',
        markerKey: pk.batchMarker(batch.batchId),
        ttlSeconds: 30 * 24 * 3600,
      });
      const counts = await processor.build(entries, commit, stageContext(deps, partition));
      const result = await commit.exec(redis);
      counts.out -= result.duplicates;
      activityLogger(deps.logger, { stage, batchId: batch.batchId }).info(
        {
          count: entries.length,
          missing: batch.ids.length - entries.length,
          applied: result.applied,
          ...counts,
        },
        'failed batch replayed',
      );
      return {
        batchId: batch.batchId,
        partition,
        stage,
        slot: -1,
        ...counts,
        duplicates: result.duplicates,
        chunks: 1,
        count: entries.length,
        firstId: batch.ids[0],
        lastId: batch.ids[batch.ids.length - 1],
        applied: result.applied,
      };
    },
  };
}
