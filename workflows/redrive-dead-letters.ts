import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  REDRIVE_DEFAULTS,
  type RedriveCounts,
  type RedriveInput,
  type RedriveResult,
} from '../contract';

// Letters that fail again are outcomes, not errors: what fails an attempt is the
// infrastructure (Redis away), which is waited out, resuming from the heartbeat.
const { redriveDeadLetterPartition } = proxyActivities<Activities>({
  startToCloseTimeout: REDRIVE_DEFAULTS.timeoutMs,
  heartbeatTimeout: REDRIVE_DEFAULTS.heartbeatTimeoutMs,
  retry: { initialInterval: '1s', maximumInterval: '1m' }, // no attempt limit
});

/** Re-runs matching dead letters of every (or the chosen) partition, one activity each. */
export async function redriveDeadLetters(input: RedriveInput): Promise<RedriveResult> {
  const { filter } = input;
  const results = await Promise.all(
    input.partitions.map((partition) =>
      redriveDeadLetterPartition({
        partition,
        filter,
        maxLetters: input.maxLetters ?? REDRIVE_DEFAULTS.maxLetters,
        dryRun: input.dryRun ?? false,
        redriveId: workflowInfo().workflowId,
      }),
    ),
  );
  const sum = (k: keyof RedriveCounts) => results.reduce((n, r) => n + r[k], 0);
  return {
    dryRun: input.dryRun ?? false,
    matched: sum('matched'),
    normalized: sum('normalized'),
    duplicate: sum('duplicate'),
    deadLettered: sum('deadLettered'),
    alreadyRedriven: sum('alreadyRedriven'),
    partitions: results,
  };
}
