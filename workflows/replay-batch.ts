import { patched, proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  BATCH_STATUS,
  FAILED_BATCH_IDS,
  FAILURE,
  REPLAY_DEFAULTS,
  STAGE,
  parseBatchId,
  type ReplayBatchInput,
  type ReplayBatchResult,
} from '../contract';

const { replayFailedBatch } = proxyActivities<Activities>({
  startToCloseTimeout: REPLAY_DEFAULTS.timeoutMs,
  retry: {
    initialInterval: '1s',
    maximumInterval: '30s',
    maximumAttempts: REPLAY_DEFAULTS.maxAttempts,
    nonRetryableErrorTypes: [FAILURE.unknownBatch, FAILURE.unknownStage],
  },
});

/** Re-runs a failed batch through its stage; replaying the same batch again changes nothing. */
export async function replayBatch(input: ReplayBatchInput): Promise<ReplayBatchResult> {
  const stage = parseBatchId(input.batchId)?.stage ?? 'unknown';
  upsertSearchAttributes([
    { key: STAGE, value: stage },
    { key: BATCH_STATUS, value: 'replaying' },
  ]);
  // Added after histories without it were recorded: patched() keeps those replayable.
  if (patched('failed-batch-search-attributes'))
    upsertSearchAttributes([{ key: FAILED_BATCH_IDS, value: [input.batchId] }]);
  let result: ReplayBatchResult;
  try {
    result = await replayFailedBatch(input);
  } catch (err) {
    // Added after histories without it were recorded: patched() keeps those replayable.
    if (patched('replay-failure-status')) {
      upsertSearchAttributes([{ key: BATCH_STATUS, value: 'replay-failed' }]);
    }
    throw err;
  }
  upsertSearchAttributes([
    { key: BATCH_STATUS, value: result.applied ? 'replayed' : 'already-replayed' },
  ]);
  return result;
}
