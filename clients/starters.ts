import type { Client } from '@temporalio/client';
import {
  ADAPTER,
  FEED_NAME,
  archiveDayWorkflow,
  archiveWorkflowId,
  feedWorkflowId,
  ingestFeedWorkflow,
  PARTITION,
  PURPOSE_MEMO,
  archiveDayMetadata,
  feedMetadata,
  pipelineMetadata,
  pipelineWorkflow,
  redriveMetadata,
  pipelineWorkflowId,
  redriveDeadLettersWorkflow,
  redriveWorkflowId,
  type FeedInput,
  type RedriveInput,
  type WorkflowMetadata,
} from '../contract';
import type { Config } from '../lib/config';
import { ensureArchiveSchedule } from './archive-schedule';
import { startOnce, startWorkflow, type Started } from './workflow-client';

/**
 * A continue-as-new chain's start options: its summary as user metadata (the first run's) and
 * in the memo, which the server carries to every later run.
 */
function withPurpose(m: WorkflowMetadata): WorkflowMetadata & { memo: Record<string, string> } {
  return { ...m, memo: { [PURPOSE_MEMO]: m.staticSummary } };
}

/** Starts a feed's ingestion workflow unless it already runs (a feed runs once). */
export function startFeed(client: Client, config: Config, input: FeedInput): Promise<Started> {
  return startOnce(client, ingestFeedWorkflow, {
    taskQueue: config.temporal.taskQueue,
    workflowId: feedWorkflowId(input.name),
    args: [input],
    ...withPurpose(feedMetadata(input)),
    typedSearchAttributes: [
      { key: FEED_NAME, value: input.name },
      { key: ADAPTER, value: input.adapter },
    ],
  });
}

/** Starts one partition's pipeline workflow (`<base>-p<N>`) unless it already runs. */
export function startPipeline(client: Client, config: Config, partition: number): Promise<Started> {
  return startOnce(client, pipelineWorkflow, {
    taskQueue: config.temporal.taskQueue,
    workflowId: pipelineWorkflowId(config.pipeline.workflowId, partition),
    ...withPurpose(pipelineMetadata({ partition, normalizeSlots: config.pipeline.normalizeSlots })),
    args: [
      {
        partition,
        normalizeSlots: config.pipeline.normalizeSlots,
        maxAttempts: config.pipeline.maxAttempts,
        runMs: config.pipeline.runMs,
        heartbeatTimeoutMs: config.pipeline.heartbeatTimeoutMs,
        statusMs: config.pipeline.statusMs,
      },
    ],
    // Carried over continue-as-new: `Partition = 3` finds every run of a partition.
    typedSearchAttributes: [{ key: PARTITION, value: partition }],
  });
}

/** Starts every partition's pipeline workflow that does not run yet. */
export async function startPipelines(client: Client, config: Config): Promise<Started[]> {
  const out: Started[] = [];
  for (let p = 0; p < config.pipeline.partitions; p++) {
    out.push(await startPipeline(client, config, p));
  }
  return out;
}

/**
 * Starts the archive of one day under its id `archive-<day>` (or finds the run that has it).
 * Re-running an archived day is harmless: it only trims.
 */
export function startArchiveDay(client: Client, config: Config, day: string): Promise<Started> {
  return startOnce(client, archiveDayWorkflow, {
    taskQueue: config.temporal.taskQueue,
    workflowId: archiveWorkflowId(day),
    args: [{ day }],
    ...archiveDayMetadata(day),
  });
}

/** What an operator asks of a redrive; the partitions default to every one. */
export type RedriveRequest = Omit<RedriveInput, 'partitions'> & {
  readonly partitions?: readonly number[];
};

/**
 * Starts a redrive of dead letters under a new id (`redrive-<time>-<random>`): each request is
 * its own run, and the letter markers keep two runs from taking the same letter.
 */
export async function startRedrive(
  client: Client,
  config: Config,
  request: RedriveRequest,
): Promise<{ workflowId: string; runId: string; input: RedriveInput }> {
  const every = Array.from({ length: config.pipeline.partitions }, (_, p) => p);
  const input: RedriveInput = { ...request, partitions: request.partitions ?? every };
  const key = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const h = await startWorkflow(client, redriveDeadLettersWorkflow, {
    taskQueue: config.temporal.taskQueue,
    workflowId: redriveWorkflowId(key),
    args: [input],
    ...redriveMetadata(input),
  });
  return { workflowId: h.workflowId, runId: h.firstExecutionRunId, input };
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
  readonly pipelines: readonly Started[];
}

/** What `npm start` and `npm run schedules` set up: the archive Schedule, the simulator feed and the pipeline. */
export async function bootstrapWorkflows(client: Client, config: Config): Promise<Bootstrapped> {
  const schedule = await ensureArchiveSchedule(client, config);
  const feed = await startFeed(client, config, simulatorFeed(config));
  const pipelines = await startPipelines(client, config);
  return { schedule, feed, pipelines };
}
