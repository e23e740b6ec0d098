import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  WorkflowExecutionAlreadyStartedError,
  type Client,
} from '@temporalio/client';
import { archiveWorkflowId } from '../archive/day';
import type { Config } from '../config';
import type { FeedInput } from '../../activities';
import { ADAPTER, FEED_NAME } from './search-attributes';

export const ARCHIVE_SCHEDULE_ID = 'archive-nightly';
const FEED_PREFIX = 'feed-';

export interface Started {
  readonly workflowId: string;
  readonly runId?: string;
  /** False when it was already running (nothing was started). */
  readonly started: boolean;
}

async function startOnce(
  start: () => Promise<{ workflowId: string; firstExecutionRunId: string }>,
  workflowId: string,
): Promise<Started> {
  try {
    const h = await start();
    return { workflowId: h.workflowId, runId: h.firstExecutionRunId, started: true };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, started: false };
    throw err;
  }
}

/** Starts a feed's ingestion workflow unless it already runs (a feed runs once). */
export function startFeed(client: Client, config: Config, input: FeedInput): Promise<Started> {
  const workflowId = `${FEED_PREFIX}${input.name}`;
  return startOnce(
    () =>
      client.workflow.start('ingestFeed', {
        taskQueue: config.temporal.taskQueue,
        workflowId,
        args: [input],
        typedSearchAttributes: [
          { key: FEED_NAME, value: input.name },
          { key: ADAPTER, value: input.adapter },
        ],
      }),
    workflowId,
  );
}

/** Starts the pipeline workflow unless it already runs. */
export function startPipeline(client: Client, config: Config): Promise<Started> {
  return startOnce(
    () =>
      client.workflow.start('pipeline', {
        taskQueue: config.temporal.taskQueue,
        workflowId: config.pipeline.workflowId,
        args: [
          {
            normalizeSlots: config.pipeline.normalizeSlots,
            maxAttempts: config.pipeline.maxAttempts,
          },
        ],
      }),
    config.pipeline.workflowId,
  );
}

/**
 * Creates the nightly archive Schedule, or brings an existing one in line with the config:
 * safe to run at every start-up.
 */
export async function ensureArchiveSchedule(
  client: Client,
  config: Config,
): Promise<'created' | 'updated'> {
  const spec = { cronExpressions: [config.archive.cron], timezone: config.archive.timezone };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'archiveDay',
    taskQueue: config.temporal.taskQueue,
    workflowId: 'archive-day',
    args: [{}],
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

/**
 * Starts the archive of one day under its id `archive-<day>` (or finds the run that has it).
 * Re-running an archived day is harmless: it only trims.
 */
export async function startArchiveDay(
  client: Client,
  config: Config,
  day: string,
): Promise<Started> {
  const workflowId = archiveWorkflowId(day);
  return startOnce(
    () =>
      client.workflow.start('archiveDay', {
        taskQueue: config.temporal.taskQueue,
        workflowId,
        args: [{ day }],
      }),
    workflowId,
  );
}

/** The local simulator's feed definition. */
export function simulatorFeed(config: Config): FeedInput {
  return {
    name: 'simulator',
    adapter: 'simulator',
    url: `ws://${config.simulator.host}:${config.simulator.port}`,
  };
}

export interface Bootstrapped {
  readonly schedule: 'created' | 'updated';
  readonly feed: Started;
  readonly pipeline: Started;
}

/** What `npm start` and `npm run schedules` set up: the archive Schedule, the simulator feed and the pipeline. */
export async function bootstrapWorkflows(client: Client, config: Config): Promise<Bootstrapped> {
  const schedule = await ensureArchiveSchedule(client, config);
  const feed = await startFeed(client, config, simulatorFeed(config));
  const pipeline = await startPipeline(client, config);
  return { schedule, feed, pipeline };
}
