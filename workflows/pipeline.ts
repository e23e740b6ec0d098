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
  type BatchResult,
  type PipelineInput,
  type PipelineStatus,
  type StageTotals,
} from '../contract';

function emptyTotals(): StageTotals {
  return { batches: 0, events: 0, out: 0, deadLettered: 0, anomalies: 0, failed: 0 };
}

/**
 * Loops batch activities over the consumer groups: normalize (several slots), cachepub and
 * anomaly (one slot each: the anomaly windows need ticks in order). A batch that fails all
 * its attempts is recorded for replay and the loop moves on.
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
  const status: PipelineStatus = {
    stages: input.totals ?? {
      normalize: emptyTotals(),
      cachepub: emptyTotals(),
      anomaly: emptyTotals(),
    },
  };
  setHandler(pipelineStatusQuery, () => status);

  await ensureGroups();

  // Recent (time, events) per stage for the rate; Date.now() is the SDK's replay-safe clock.
  const recent: Record<string, { t: number; n: number }[]> = {};
  const record = (r: BatchResult) => {
    const t = status.stages[r.stage];
    t.lag = r.lag ?? null;
    const window = (recent[r.stage] ??= []);
    window.push({ t: Date.now(), n: r.count });
    if (window.length > 20) window.shift();
    const span = (window[window.length - 1]!.t - window[0]!.t) / 1000;
    t.eventsPerSecond =
      span > 0 ? Math.round(window.slice(1).reduce((a, w) => a + w.n, 0) / span) : 0;
    if (r.count === 0) return;
    t.batches += r.chunks ?? 1;
    t.events += r.count;
    t.out += r.out;
    t.deadLettered += r.deadLettered;
    t.duplicates = (t.duplicates ?? 0) + (r.duplicates ?? 0);
    t.anomalies += r.anomalies;
    t.lastBatchId = r.firstId;
  };

  const failedIds: string[] = [];
  const loop = async (stage: Stage, slot: number) => {
    while (!workflowInfo().continueAsNewSuggested) {
      try {
        record(await processBatch({ stage, slot }));
      } catch (err) {
        if (isCancellation(err)) throw err;
        const error = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
        const batchId = await quarantineBatch({ stage, slot, error, attempts: maxAttempts });
        // Added after histories without it were recorded: patched() keeps those replayable.
        if (batchId && patched('failed-batch-search-attributes')) {
          failedIds.push(batchId);
          if (failedIds.length > 100) failedIds.shift();
          upsertSearchAttributes([
            { key: FAILED_BATCH_IDS, value: [...failedIds] },
            { key: BATCH_STATUS, value: 'has-failed' },
          ]);
        }
        status.stages[stage].failed++;
        status.lastFailure = { stage, batchId, error };
        log.warn('batch failed permanently', { stage, slot, batchId, error });
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
  await continueAsNew<typeof pipeline>({ ...input, totals: status.stages });
}
