import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import {
  ARCHIVE_SCHEDULED_WORKFLOW_ID,
  ARCHIVE_SCHEDULE_ID,
  archiveDayWorkflow,
  archiveScheduleMetadata,
  type ArchiveDayWorkflow,
} from '../contract';
import type { Config } from '../lib/config';

/**
 * Creates the nightly archive Schedule, or brings an existing one in line with the config:
 * safe to run at every start-up.
 */
export async function ensureArchiveSchedule(
  client: Client,
  config: Config,
): Promise<'created' | 'updated'> {
  const spec = { cronExpressions: [config.archive.cron], timezone: config.archive.timezone };
  const args: Parameters<ArchiveDayWorkflow> = [{}];
  const action = {
    type: 'startWorkflow' as const,
    workflowType: archiveDayWorkflow.name,
    taskQueue: config.temporal.taskQueue,
    workflowId: ARCHIVE_SCHEDULED_WORKFLOW_ID,
    args,
    ...archiveScheduleMetadata(),
  };
  // Never two archives at once (each day also runs under its own id, archive-<day>); a missed
  // night (server down) still runs within the catch-up window.
  const policies = {
    overlap: ScheduleOverlapPolicy.SKIP,
    catchupWindow: config.archive.catchupDays * 86_400_000,
  };
  try {
    await client.schedule.create({ scheduleId: ARCHIVE_SCHEDULE_ID, spec, action, policies });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule
      .getHandle(ARCHIVE_SCHEDULE_ID)
      .update((prev) => ({ ...prev, spec, action, policies }));
    return 'updated';
  }
}
