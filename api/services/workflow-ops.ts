import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
} from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import {
  startArchiveDay,
  startRedrive,
  startFeed as startFeedWorkflow,
  type RedriveRequest,
  startWorkflow,
  workflowHandle,
} from '../../clients';
import {
  feedNameOf,
  feedStatusQuery,
  feedWorkflowId,
  archiveDayWorkflow,
  ingestFeedWorkflow,
  pipelineStatusQuery,
  pipelineWorkflow,
  pipelineWorkflowId,
  replayBatchWorkflow,
  replayMetadata,
  replayWorkflowId,
  type FeedInput,
  type FeedStatus,
  type PipelineStatus,
} from '../../contract';
import type { Config } from '../../lib/config';
import { ERROR_CODES, userError } from '../errors';
import { backtestView, startBacktestRun, type BacktestView } from './backtest-ops';
import type { BacktestRequest } from '../../clients';

/** What a mutation returns: the workflow it started or signalled. */
export interface WorkflowRef {
  readonly workflowId: string;
  readonly runId: string;
  /** True when this call started it; false when it signalled (or found) a running one. */
  readonly started: boolean;
}

/** A feed as the API shows it: the workflow's state plus its own status when it answers. */
export interface FeedView {
  readonly name: string;
  readonly workflowId: string;
  readonly runId: string;
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, TERMINATED, ... */
  readonly workflowStatus: string;
  readonly startTime: Date;
  readonly closeTime: Date | null;
  /** The workflow's `status` query, or null when it could not answer in time. */
  readonly status: FeedStatus | null;
}

/** One workflow execution as Temporal describes it (the newest run of its id). */
export interface WorkflowRunView {
  readonly workflowId: string;
  readonly runId: string;
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, TERMINATED, ... */
  readonly workflowStatus: string;
  readonly startTime: Date;
  readonly closeTime: Date | null;
}

/** One partition's pipeline workflow (`<base>-p<N>`) and, when it answers, its status. */
export interface PipelinePartitionView {
  readonly partition: number;
  readonly workflowId: string;
  readonly runId: string | null;
  /** Temporal's execution status, or NOT_STARTED. */
  readonly workflowStatus: string;
  /** The workflow's `status` query, or null when it is not running or did not answer in time. */
  readonly status: PipelineStatus | null;
}

/** The pipeline workflows of every partition. */
export interface PipelineView {
  /** The base id (PIPELINE_WORKFLOW_ID); partition N's workflow is `<base>-p<N>`. */
  readonly workflowId: string;
  readonly partitions: readonly PipelinePartitionView[];
}

/** Temporal-side operations of the API; every call bounded by `timeoutMs`. */
export interface WorkflowOps {
  listFeeds(): Promise<FeedView[]>;
  feed(name: string): Promise<FeedView | undefined>;
  pipeline(): Promise<PipelineView>;
  startFeed(input: FeedInput): Promise<WorkflowRef>;
  /** Sends a feed one of its control signals (pause, resume, stop). */
  signalFeed(name: string, signal: SignalDefinition): Promise<WorkflowRef>;
  replayBatch(batchId: string): Promise<WorkflowRef>;
  /** Starts a redrive of dead letters (a new run per request). */
  redriveDeadLetters(request: RedriveRequest): Promise<WorkflowRef>;
  triggerArchive(day: string): Promise<WorkflowRef>;
  /** Starts a backtest (or joins the run of the same input; a finished one returns its report). */
  startBacktest(request: BacktestRequest): Promise<WorkflowRef>;
  /** A backtest by workflow id: status, progress and report. */
  backtest(workflowId: string): Promise<BacktestView | undefined>;
  /** The newest run of a workflow id of this deployment's task queue, or undefined. */
  run(workflowId: string): Promise<WorkflowRunView | undefined>;
  /** True when the server answers. */
  ping(timeoutMs: number): Promise<boolean>;
}

const MAX_FEEDS = 200;

/** Wraps a call so that a Temporal outage becomes a coded error, not a masked one. */
async function guarded<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof Error && 'extensions' in err) throw err; // already a GraphQLError
    if (err instanceof WorkflowNotFoundError) throw err;
    throw userError(ERROR_CODES.UNAVAILABLE, `Temporal did not answer (${what}); try again`, {
      retryable: true,
    });
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms);
    }),
  ]);
}

export function createWorkflowOps(
  client: Client,
  config: Config,
  opts: { queryTimeoutMs?: number } = {},
): WorkflowOps {
  const queryTimeoutMs = opts.queryTimeoutMs ?? 2000;
  const taskQueue = config.temporal.taskQueue;

  async function feedView(d: WorkflowExecutionDescription, name: string): Promise<FeedView> {
    const handle = workflowHandle(client, ingestFeedWorkflow, d.workflowId, d.runId);
    // A query needs a worker; a feed whose worker is away must not hang the whole list.
    const status = await withTimeout(
      handle.query(feedStatusQuery).catch(() => undefined),
      queryTimeoutMs,
    );
    return {
      name,
      workflowId: d.workflowId,
      runId: d.runId,
      workflowStatus: d.status.name,
      startTime: d.startTime,
      closeTime: d.closeTime ?? null,
      status: status ?? null,
    };
  }

  async function describeFeed(name: string): Promise<WorkflowExecutionDescription | undefined> {
    try {
      const d = await workflowHandle(client, ingestFeedWorkflow, feedWorkflowId(name)).describe();
      // Workflow ids are per namespace; a feed of another deployment's task queue is not ours.
      return d.taskQueue === taskQueue ? d : undefined;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  /** One partition's workflow; its status query bounded by the query timeout. */
  async function describePipeline(base: string, partition: number): Promise<PipelinePartitionView> {
    const workflowId = pipelineWorkflowId(base, partition);
    let d: WorkflowExecutionDescription;
    try {
      d = await workflowHandle(client, pipelineWorkflow, workflowId).describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        return { partition, workflowId, runId: null, workflowStatus: 'NOT_STARTED', status: null };
      }
      throw err;
    }
    const status =
      d.status.name === 'RUNNING'
        ? await withTimeout(
            workflowHandle(client, pipelineWorkflow, workflowId)
              .query(pipelineStatusQuery)
              .catch(() => undefined),
            queryTimeoutMs,
          )
        : undefined;
    return {
      partition,
      workflowId,
      runId: d.runId,
      workflowStatus: d.status.name,
      status: status ?? null,
    };
  }

  function unknownFeed(name: string) {
    return userError(ERROR_CODES.UNKNOWN_FEED, `No feed named "${name}"`, { feed: name });
  }

  return {
    listFeeds: () =>
      guarded('list feeds', async () => {
        const latest = new Map<string, WorkflowExecutionDescription>();
        const query = `WorkflowType = '${ingestFeedWorkflow.name}' AND TaskQueue = '${taskQueue.replace(/'/g, "\\'")}'`;
        for await (const w of client.workflow.list({ query, pageSize: MAX_FEEDS })) {
          // Newest run first: keep the first seen per workflow id.
          if (!latest.has(w.workflowId))
            latest.set(w.workflowId, w as WorkflowExecutionDescription);
          if (latest.size >= MAX_FEEDS) break;
        }
        const views = await Promise.all(
          [...latest.values()].map((d) => feedView(d, feedNameOf(d.workflowId) ?? d.workflowId)),
        );
        return views.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      }),

    feed: (name) =>
      guarded('describe feed', async () => {
        const d = await describeFeed(name);
        return d ? feedView(d, name) : undefined;
      }),

    pipeline: () =>
      guarded('describe pipeline', async () => {
        const base = config.pipeline.workflowId;
        const partitions = await Promise.all(
          Array.from({ length: config.pipeline.partitions }, (_, p) => describePipeline(base, p)),
        );
        return { workflowId: base, partitions };
      }),

    startFeed: (input) =>
      guarded('start feed', async () => {
        const r = await startFeedWorkflow(client, config, input);
        if (!r.started) {
          throw userError(ERROR_CODES.CONFLICT, `Feed "${input.name}" is already running`, {
            workflowId: r.workflowId,
          });
        }
        return { workflowId: r.workflowId, runId: r.runId ?? '', started: true };
      }),

    signalFeed: (name, signal) =>
      guarded(`${signal.name} feed`, async () => {
        const d = await describeFeed(name);
        if (!d) throw unknownFeed(name);
        if (d.status.name !== 'RUNNING') {
          throw userError(
            ERROR_CODES.CONFLICT,
            `Feed "${name}" is not running (workflow ${d.status.name.toLowerCase()})`,
            { workflowId: d.workflowId },
          );
        }
        await workflowHandle(client, ingestFeedWorkflow, d.workflowId, d.runId).signal(signal);
        return { workflowId: d.workflowId, runId: d.runId, started: false };
      }),

    replayBatch: (batchId) =>
      guarded('start replay', async () => {
        const workflowId = replayWorkflowId(batchId);
        try {
          const h = await startWorkflow(client, replayBatchWorkflow, {
            taskQueue,
            workflowId,
            args: [{ batchId }],
            ...replayMetadata(batchId),
          });
          return { workflowId, runId: h.firstExecutionRunId, started: true };
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          throw userError(ERROR_CODES.CONFLICT, `Batch "${batchId}" is being replayed already`, {
            workflowId,
          });
        }
      }),

    redriveDeadLetters: (request) =>
      guarded('start redrive', async () => {
        const r = await startRedrive(client, config, request);
        return { workflowId: r.workflowId, runId: r.runId, started: true };
      }),

    triggerArchive: (day) =>
      guarded('start archive', async () => {
        const r = await startArchiveDay(client, config, day);
        if (r.started) return { workflowId: r.workflowId, runId: r.runId ?? '', started: true };
        // An archive of the day is running: the operator's intent is met, report that run.
        const d = await workflowHandle(client, archiveDayWorkflow, r.workflowId).describe();
        return { workflowId: r.workflowId, runId: d.runId, started: false };
      }),

    // A bad request is a BAD_USER_INPUT error, which guarded passes on as it is.
    startBacktest: (request) =>
      guarded('start backtest', () => startBacktestRun(client, config, request)),

    backtest: (workflowId) =>
      guarded('describe backtest', () =>
        backtestView(client, config, workflowId, (p) => withTimeout(p, queryTimeoutMs)),
      ),

    run: (workflowId) =>
      guarded('describe workflow', async () => {
        try {
          const d = await client.workflow.getHandle(workflowId).describe();
          if (d.taskQueue !== taskQueue) return undefined;
          return {
            workflowId,
            runId: d.runId,
            workflowStatus: d.status.name,
            startTime: d.startTime,
            closeTime: d.closeTime ?? null,
          };
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) return undefined;
          throw err;
        }
      }),

    async ping(timeoutMs) {
      const ok = await withTimeout(
        client.workflowService.getSystemInfo({}).then(
          () => true,
          () => false,
        ),
        timeoutMs,
      );
      return ok === true;
    },
  };
}
