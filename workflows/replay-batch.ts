import { patched, proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { BATCH_STATUS, FAILED_BATCH_IDS, STAGE } from '../lib/temporal/search-attributes';

export interface ReplayBatchInput {
  /** Id of a failed batch, as recorded in the failed-batches stream (`<stage>-<first id>`). */
  readonly batchId: string;
}

const { replayFailedBatch } = proxyActivities<Activities>({
  startToCloseTimeout: '5m',
  retry: {
    initialInterval: '1s',
    maximumInterval: '30s',
    maximumAttempts: 3,
    nonRetryableErrorTypes: ['UnknownBatch', 'UnknownStage'],
  },
});

/** Re-runs a failed batch through its stage; replaying the same batch again changes nothing. */
export async function replayBatch(input: ReplayBatchInput) {
  const stage = input.batchId.split('-')[0] ?? 'unknown';
  upsertSearchAttributes([
    { key: STAGE, value: stage },
    { key: BATCH_STATUS, value: 'replaying' },
  ]);
  // Added after histories without it were recorded: patched() keeps those replayable.
  if (patched('failed-batch-search-attributes'))
    upsertSearchAttributes([{ key: FAILED_BATCH_IDS, value: [input.batchId] }]);
  const result = await replayFailedBatch(input);
  upsertSearchAttributes([
    { key: BATCH_STATUS, value: result.applied ? 'replayed' : 'already-replayed' },
  ]);
  return result;
}
