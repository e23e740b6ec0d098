import {
  ActivityFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { Stage } from '../lib/redis/keys';
import {
  BATCH_STATUS,
  FAILED_BATCH_IDS,
  PIPELINE_DEFAULTS,
  pipelineStatusQuery,
  type PipelineInput,
} from '../contract';
import { PipelineBook } from './pipeline-book';

/**
 * Loops batch activities over one partition's consumer groups: normalize (several slots),
 * cachepub and anomaly (one slot each: the anomaly windows need ticks in order). A batch that
 * fails all its attempts is recorded for replay and the loop moves on. One workflow per
 * partition (`pipeline-p<N>`), so partitions run in parallel and each stays ordered.
 */
export async function pipeline(input: PipelineInput = {}): Promise<void> {
  const maxAttempts = input.maxAttempts ?? PIPELINE_DEFAULTS.maxAttempts;
  const { processBatch, quarantineBatch, ensureGroups } = proxyActivities<Activities>({
    // A batch waits at most PIPELINE_BLOCK_MS (<= 30 s) for data, then works for at most
    // PIPELINE_ACTIVITY_MAX_MS (and the chunk it started).
    startToCloseTimeout: input.batchTimeoutMs ?? PIPELINE_DEFAULTS.batchTimeoutMs,
    retry: {
      initialInterval: '500ms',
      backoffCoefficient: 2,
      maximumInterval: '10s',
      maximumAttempts: maxAttempts,
    },
  });
  const book = new PipelineBook(input.totals);
  setHandler(pipelineStatusQuery, () => book.status);

  const partition = input.partition ?? 0;
  await ensureGroups({ partition });

  const loop = async (stage: Stage, slot: number) => {
    while (!workflowInfo().continueAsNewSuggested) {
      try {
        // Date.now() is the SDK's replay-safe clock.
        book.record(await processBatch({ partition, stage, slot }), Date.now());
      } catch (err) {
        if (isCancellation(err)) throw err;
        const error = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
        const batchId = await quarantineBatch({
          partition,
          stage,
          slot,
          error,
          attempts: maxAttempts,
        });
        // Added after histories without it were recorded: patched() keeps those replayable.
        if (batchId && patched('failed-batch-search-attributes')) {
          upsertSearchAttributes([
            { key: FAILED_BATCH_IDS, value: book.addFailedId(batchId) },
            { key: BATCH_STATUS, value: 'has-failed' },
          ]);
        }
        book.failed(stage, batchId, error);
        log.warn('batch failed permanently', { partition, stage, slot, batchId, error });
      }
    }
  };

  const slots = Math.max(1, input.normalizeSlots ?? PIPELINE_DEFAULTS.normalizeSlots);
  const runs = (stage: Stage) => !input.stages || input.stages.includes(stage);
  await Promise.all([
    ...(runs('normalize') ? Array.from({ length: slots }, (_, i) => loop('normalize', i)) : []),
    ...(runs('cachepub') ? [loop('cachepub', 0)] : []),
    ...(runs('anomaly') ? [loop('anomaly', 0)] : []),
  ]);
  await condition(allHandlersFinished);
  await continueAsNew<typeof pipeline>({ ...input, totals: book.status.stages });
}
