import {
  ActivityFailure,
  ApplicationFailure,
  executeChild,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError, type RetryPolicy } from '@temporalio/common';
import type { Activities } from '../activities';
import { previousUtcDay } from '../lib/archive/day';
import {
  ARCHIVE_DEFAULTS,
  FAILURE,
  SCHEDULED_START_TIME,
  archiveDayMetadata,
  archiveWorkflowId,
  type ArchiveDayInput,
  type ArchiveDayResult,
} from '../contract';

const NON_RETRYABLE = [FAILURE.badDay, FAILURE.dayNotClosed, FAILURE.archiveMismatch];

function activities(heartbeatTimeoutMs: number) {
  const retry: RetryPolicy = {
    initialInterval: '5s',
    maximumInterval: '5m',
    maximumAttempts: ARCHIVE_DEFAULTS.maxAttempts,
    nonRetryableErrorTypes: NON_RETRYABLE,
  };
  const long = proxyActivities<Activities>({
    startToCloseTimeout: ARCHIVE_DEFAULTS.longActivityTimeoutMs,
    heartbeatTimeout: heartbeatTimeoutMs,
    retry,
  });
  const short = proxyActivities<Activities>({
    startToCloseTimeout: ARCHIVE_DEFAULTS.shortActivityTimeoutMs,
    heartbeatTimeout: heartbeatTimeoutMs,
    retry,
  });
  return { long, short };
}

function isMismatch(err: unknown): boolean {
  return (
    err instanceof ActivityFailure &&
    err.cause instanceof ApplicationFailure &&
    err.cause.type === FAILURE.archiveMismatch
  );
}

/**
 * Archives one closed UTC day: copy (streaming, resumable) → verify against the source →
 * manifest (the commit point) → trim Redis to what the retention policy allows. A day with a
 * manifest is not copied again, so a re-run only trims (a no-op the second time).
 *
 * A run without a day (the Schedule's: its intended start time decides the day, backfills
 * included) starts the day's run as a child under the id `archive-<day>`, as the CLI and
 * startArchiveDay do: one id per day, so two archives of one day never run at once.
 */
export async function archiveDay(input: ArchiveDayInput = {}): Promise<ArchiveDayResult> {
  if (input.day === undefined) {
    const info = workflowInfo();
    const scheduled = info.typedSearchAttributes.get(SCHEDULED_START_TIME);
    const day = previousUtcDay(scheduled ?? info.startTime);
    try {
      return await executeChild(archiveDay, {
        workflowId: archiveWorkflowId(day),
        args: [{ ...input, day }],
        // User metadata of the command only: histories without it still replay.
        ...archiveDayMetadata(day),
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        return { day, outcome: 'already-running' };
      }
      throw err;
    }
  }
  const { day } = input;

  const { long, short } = activities(
    input.heartbeatTimeoutMs ?? ARCHIVE_DEFAULTS.heartbeatTimeoutMs,
  );
  let manifest = (await short.readArchiveManifest({ day })) ?? undefined;
  const outcome = manifest ? 'already-archived' : 'archived';
  let resumedCopy: boolean | undefined;
  // A mismatch means the copy differs from Redis: copy once more from scratch, then give up.
  for (let attempt = 1; !manifest; attempt++) {
    const copy = await long.copyDayToArchive({ day });
    resumedCopy = copy.resumed;
    try {
      manifest = await long.verifyArchivedDay({ copy });
    } catch (err) {
      if (attempt >= 2 || !isMismatch(err)) throw err;
    }
  }
  if (outcome === 'archived') await short.writeArchiveManifest({ manifest });
  const trim = await short.trimArchived();
  return { day, outcome, manifest, resumedCopy, trim };
}
