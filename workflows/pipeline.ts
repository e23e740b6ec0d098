import {
  ActivityFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
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
  pipelineMetadata,
  pipelineStatusQuery,
  stageProgressSignal,
  type PipelineInput,
} from '../contract';
import { pipelineCurrentDetails } from './current-details';
import { PipelineBook } from './pipeline-book';

/**
 * Loops batch activities over one partition's consumer groups: normalize (several slots),
 * cachepub and anomaly (one slot each: the anomaly windows need ticks in order). A batch that
 * fails all its attempts is recorded for replay and the loop moves on. One workflow per
 * partition (`pipeline-p<N>`), so partitions run in parallel and each stays ordered.
 */
export async function pipeline(input: PipelineInput = {}): Promise<void> {
  const maxAttempts = input.maxAttempts ?? PIPELINE_DEFAULTS.maxAttempts;
  const book = new PipelineBook(input.totals);
  setHandler(pipelineStatusQuery, () => book.status);
  // Not in the history: the Temporal UI's current details, kept by every run (unlike the summary).
  const summary = pipelineMetadata(input).staticSummary;
  const showDetails = () => setCurrentDetails(pipelineCurrentDetails(summary, book.status));
  showDetails();
  const partition = input.partition ?? 0;
  const { ensureGroups } = proxyActivities<Activities>({ startToCloseTimeout: '1m' });
  await ensureGroups({ partition });

  // Runs recorded before stage activities loop short batch activities (kept replayable).
  const loop = patched('stage-activities')
    ? stageLoop(input, partition, maxAttempts, book, showDetails)
    : batchLoop(input, partition, maxAttempts, book);

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

/**
 * One long-lived stage activity after another per slot: each works for `runMs`, heartbeating,
 * and signals its counters; Temporal retries it without limit (a dead worker, an outage): a
 * chunk that fails on its content is dealt with inside it, recorded as a failed batch.
 */
function stageLoop(
  input: PipelineInput,
  partition: number,
  maxAttempts: number,
  book: PipelineBook,
  showDetails: () => void,
) {
  const runMs = input.runMs ?? PIPELINE_DEFAULTS.runMs;
  const { runStage } = proxyActivities<Activities>({
    startToCloseTimeout: runMs + 120_000,
    heartbeatTimeout: input.heartbeatTimeoutMs ?? PIPELINE_DEFAULTS.heartbeatTimeoutMs,
    // Every retry of a stage activity is one of the infrastructure (a dead worker, a heartbeat
    // lost to an outage; content failures are handled inside it), and its attempts add up
    // over the activity's long life: a short cap keeps a worker's failover at the heartbeat
    // timeout plus ~2 s after any number of earlier faults (with 30 s, the chaos suite measured
    // 20 s after a few).
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '2s' },
    // Eagerly dispatched, every stage activity went to the worker that ran the workflow task
    // (bench:scale: a second worker got ~3% of the work); polled, they spread over workers.
    allowEagerDispatch: false,
  });
  setHandler(stageProgressSignal, (r) => {
    book.progress(r);
    showDetails();
  });
  const statusMs = input.statusMs ?? PIPELINE_DEFAULTS.statusMs;
  return async (stage: Stage, slot: number) => {
    while (!workflowInfo().continueAsNewSuggested) {
      const r = await runStage({ partition, stage, slot, runMs, maxAttempts, statusMs });
      book.finish(r);
      showDetails();
      if (r.quarantined) {
        const { batchId, error } = r.quarantined;
        upsertSearchAttributes([
          { key: FAILED_BATCH_IDS, value: book.addFailedId(batchId) },
          { key: BATCH_STATUS, value: 'has-failed' },
        ]);
        book.failed(stage, batchId, error);
        log.warn('batch failed permanently', { partition, stage, slot, batchId, error });
      }
    }
  };
}

/** Short batch activities, retried `maxAttempts` times, then quarantined by the workflow. */
function batchLoop(
  input: PipelineInput,
  partition: number,
  maxAttempts: number,
  book: PipelineBook,
) {
  const { processBatch, quarantineBatch } = proxyActivities<Activities>({
    // A batch waits at most PIPELINE_BLOCK_MS (<= 30 s) for data, then works for at most 2 s
    // (and the chunk it started).
    startToCloseTimeout: input.batchTimeoutMs ?? PIPELINE_DEFAULTS.batchTimeoutMs,
    retry: {
      initialInterval: '500ms',
      backoffCoefficient: 2,
      maximumInterval: '10s',
      maximumAttempts: maxAttempts,
    },
  });
  return async (stage: Stage, slot: number) => {
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
}
