import { ApplicationFailure } from '@temporalio/common';
import {
  BatchCommit,
  decodeFailedBatch,
  encodeFailedBatch,
  GROUPS,
  STAGES,
  type FailedBatch,
  type Stage,
} from '../lib/redis';
import { activityLogger, type ActivityDeps } from './deps';
import { STAGE_PROCESSORS, type StageContext, type StageCounts } from './stages';
import { ensureGroup, readBatch, readByIds, type StreamEntry } from './stream-reader';

export interface BatchInput {
  readonly stage: Stage;
  /** Slot number within the stage: each slot is one consumer, so a retry resumes its own batch. */
  readonly slot: number;
}

export interface BatchResult extends StageCounts {
  readonly stage: Stage;
  readonly slot: number;
  readonly count: number;
  readonly firstId?: string;
  readonly lastId?: string;
  /** False when this batch had already been committed by an earlier attempt. */
  readonly applied: boolean;
}

export interface QuarantineInput extends BatchInput {
  readonly error: string;
  readonly attempts: number;
}

/** The consumer name of a stage slot; stable across workers and attempts on purpose. */
export function consumerName(stage: Stage, slot: number): string {
  return `${stage}-${slot}`;
}

function stageContext(deps: ActivityDeps): StageContext {
  return {
    redis: deps.redis,
    keys: deps.keys,
    sectors: deps.sectors,
    anomaly: deps.config.anomaly,
    maxLen: deps.config.ingest.maxLen,
    now: deps.now(),
  };
}

export function createPipelineActivities(deps: ActivityDeps) {
  const { redis, keys, config, metrics } = deps;

  return {
    /** Creates the consumer groups the stages read through; harmless when they exist. */
    async ensureGroups(): Promise<Stage[]> {
      const created: Stage[] = [];
      for (const stage of STAGES) {
        const source = STAGE_PROCESSORS[stage].source(keys);
        if (await ensureGroup(redis, source, GROUPS[stage])) created.push(stage);
      }
      return created;
    },

    /**
     * Reads one batch for a stage slot, processes it and commits its writes together with
     * its acknowledgements. Waits up to PIPELINE_BLOCK_MS when there is nothing to read.
     */
    async processBatch(input: BatchInput): Promise<BatchResult> {
      const processor = STAGE_PROCESSORS[input.stage];
      const source = processor.source(keys);
      const group = GROUPS[input.stage];
      const started = process.hrtime.bigint();
      const entries = await deps.blocking.use((conn) =>
        readBatch(
          redis,
          {
            stream: source,
            group,
            consumer: consumerName(input.stage, input.slot),
            count: config.pipeline.batchSize,
            blockMs: config.pipeline.blockMs,
            lingerMs: config.pipeline.lingerMs,
          },
          conn,
        ),
      );
      const empty: StageCounts = { out: 0, deadLettered: 0, anomalies: 0 };
      if (entries.length === 0) return { ...input, ...empty, count: 0, applied: true };

      const ids = entries.map(([id]) => id);
      const log = activityLogger(deps.logger, {
        stage: input.stage,
        batchId: `${input.stage}-${ids[0]}`,
      });
      const commit = new BatchCommit(source, group, ids);
      const counts = await processor.build(entries, commit, stageContext(deps));
      const result = await commit.exec(redis);

      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.batchDuration.observe({ stage: input.stage }, seconds);
      if (result.applied) {
        metrics.batchEvents.inc(
          { stage: input.stage, outcome: 'ok' },
          entries.length - counts.deadLettered,
        );
        if (counts.deadLettered)
          metrics.batchEvents.inc(
            { stage: input.stage, outcome: 'dead_letter' },
            counts.deadLettered,
          );
        if (counts.anomalies) metrics.anomalies.inc({ type: 'any' }, counts.anomalies);
      }
      log.debug(
        { count: entries.length, ...counts, applied: result.applied, seconds },
        'batch committed',
      );
      return {
        ...input,
        ...counts,
        count: entries.length,
        firstId: ids[0],
        lastId: ids[ids.length - 1],
        applied: result.applied,
      };
    },

    /**
     * Records a slot's unacknowledged batch as failed (with the error and attempts) and
     * acknowledges it in the same step, so the pipeline moves on and the batch can be replayed.
     * Returns the batch id, or null when the slot had nothing pending.
     */
    async quarantineBatch(input: QuarantineInput): Promise<string | null> {
      const processor = STAGE_PROCESSORS[input.stage];
      const source = processor.source(keys);
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
        batchId: `${input.stage}-${ids[0]}`,
        stage: input.stage,
        stream: source,
        ids,
        error: input.error.slice(0, 2000),
        attempts: input.attempts,
        failedAt: deps.now(),
      };
      await new BatchCommit(source, group, ids)
        .xadd(keys.failedBatches, encodeFailedBatch(batch))
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
    async replayFailedBatch(input: {
      batchId: string;
    }): Promise<BatchResult & { batchId: string }> {
      const batch = await findFailedBatch(deps, input.batchId);
      if (!batch) {
        throw ApplicationFailure.nonRetryable(`no failed batch ${input.batchId}`, 'UnknownBatch');
      }
      const stage = batch.stage as Stage;
      const processor = STAGE_PROCESSORS[stage];
      if (!processor)
        throw ApplicationFailure.nonRetryable(`unknown stage ${batch.stage}`, 'UnknownStage');
      const entries: StreamEntry[] = await readByIds(redis, batch.stream, batch.ids);
      const commit = new BatchCommit(batch.stream, GROUPS[stage], [], {
        kind: 'once',
        markerKey: keys.batchMarker(batch.batchId),
        ttlSeconds: 30 * 24 * 3600,
      });
      const counts = await processor.build(entries, commit, stageContext(deps));
      const result = await commit.exec(redis);
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
        stage,
        slot: -1,
        ...counts,
        count: entries.length,
        firstId: batch.ids[0],
        lastId: batch.ids[batch.ids.length - 1],
        applied: result.applied,
      };
    },
  };
}

async function findFailedBatch(
  deps: ActivityDeps,
  batchId: string,
): Promise<FailedBatch | undefined> {
  let start = '-';
  for (;;) {
    const page = (await deps.redis.xrange(
      deps.keys.failedBatches,
      start,
      '+',
      'COUNT',
      500,
    )) as StreamEntry[];
    for (const [, fields] of page) {
      const b = decodeFailedBatch(fields);
      if (b.batchId === batchId) return b;
    }
    if (page.length < 500) return undefined;
    start = `(${page[page.length - 1]![0]}`;
  }
}
