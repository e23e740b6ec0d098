import { workflow } from './definitions';
import type { BatchResult } from './pipeline';

/** The replayBatch workflow's contract. */

export interface ReplayBatchInput {
  /** Id of a failed batch, as recorded in the failed-batches stream (`<stage>-<first id>`). */
  readonly batchId: string;
}

export type ReplayBatchResult = BatchResult & { batchId: string };

export const REPLAY_DEFAULTS = {
  /** One replay activity: reads the batch's entries by id and commits them once. */
  timeoutMs: 300_000,
  maxAttempts: 3,
} as const;

/** The id operators (and the API) start a replay under: one replay of a batch at a time. */
export function replayWorkflowId(batchId: string): string {
  return `replay-${batchId}`;
}

/** Re-runs a failed batch through its stage; commits at most once per batch id. */
export type ReplayBatchWorkflow = (input: ReplayBatchInput) => Promise<ReplayBatchResult>;
export const replayBatchWorkflow = workflow<ReplayBatchWorkflow>()('replayBatch');
