import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities, ArchiveManifest } from '../activities';
import { SCHEDULED_START_TIME } from '../lib/temporal/search-attributes';

export interface ArchiveDayInput {
  /** UTC day to archive, YYYY-MM-DD. Default: the day before the scheduled (or actual) start. */
  readonly day?: string;
}

const { copyDayToArchive } = proxyActivities<Activities>({
  startToCloseTimeout: '2h',
  heartbeatTimeout: '1m',
  retry: {
    initialInterval: '5s',
    maximumInterval: '5m',
    maximumAttempts: 10,
    nonRetryableErrorTypes: ['BadDay'],
  },
});

/** The UTC day before `at`, as YYYY-MM-DD. */
export function previousUtcDay(at: Date): string {
  return new Date(at.getTime() - 86_400_000).toISOString().slice(0, 10);
}

/**
 * Archives one closed day. Started nightly by the archive Schedule, whose intended start
 * time (kept by backfills too) decides the day.
 */
export async function archiveDay(input: ArchiveDayInput = {}): Promise<ArchiveManifest> {
  const info = workflowInfo();
  const scheduled = info.typedSearchAttributes.get(SCHEDULED_START_TIME);
  const day = input.day ?? previousUtcDay(scheduled ?? info.startTime);
  return copyDayToArchive({ day });
}
