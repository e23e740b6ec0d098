import { setMaxListeners } from 'node:events';
import {
  NativeConnection,
  Worker,
  type WorkerOptions,
  type WorkflowBundle,
} from '@temporalio/worker';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { Registry } from 'prom-client';
import {
  BlockingPool,
  createActivities,
  createWorkerMetrics,
  type ActivityDeps,
} from '../activities';
import { lazyArchiveSink } from '../lib/archive';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger';
import { keysOf, createRedis, WORKER_SCRIPTS } from '../lib/redis';
import { loadSectors } from '../lib/reference';
import { logConnectionState } from '../lib/connection-log';
import { closeRedis } from '../lib/shutdown';
import type { Tracing } from '../lib/tracing';

export interface BuildWorkerOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly connection: NativeConnection;
  /**
   * A prebuilt bundle (tests share one); otherwise workflows/ is bundled at start. With
   * tracing on, a prebuilt bundle must include {@link TRACING_WORKFLOW_MODULES}.
   */
  readonly workflowBundle?: WorkflowBundle;
  /** The process's tracing (lib/tracing): when on, workflows and activities are traced. */
  readonly tracing?: Tracing;
}

/** The workflow interceptor modules a traced worker's bundle includes. */
export const TRACING_WORKFLOW_MODULES: readonly string[] = [
  require.resolve('../workflows/tracing-interceptors'),
];

/**
 * Temporal's OpenTelemetry interceptors when tracing is on: activity spans continuing the
 * workflow's trace (from the headers), workflow spans exported through the `exporter` sink.
 */
function tracingOptions(tracing: Tracing | undefined, prebuilt: boolean): Partial<WorkerOptions> {
  if (!tracing?.sdk) return {};
  const { processor, resource } = tracing.sdk;
  return {
    interceptors: {
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
      // A prebuilt bundle has them in already (the SDK ignores them then, with a warning).
      ...(prebuilt ? {} : { workflowModules: [...TRACING_WORKFLOW_MODULES] }),
    },
    sinks: { exporter: makeWorkflowExporter(processor, resource) },
  };
}

export interface BuiltWorker {
  readonly worker: Worker;
  readonly deps: ActivityDeps;
  /** Starts a graceful shutdown: long-running activities leave at once, batches get the grace time. */
  shutdown(): void;
  /** Closes what the worker's activities opened; call after `worker.run()` resolves. */
  close(): Promise<void>;
}

/** Builds the fin-line worker: every workflow and activity on one task queue. */
export async function buildWorker(opts: BuildWorkerOptions): Promise<BuiltWorker> {
  const { config, logger } = opts;
  const redis = createRedis(config.redis, { scripts: WORKER_SCRIPTS });
  // One line per state change of the link to Redis, not one per retry.
  const unwatch = logConnectionState(redis, logger, {
    name: 'redis',
    summaryMs: config.processes.connectionLogSummaryMs,
  });
  const stopping = new AbortController();
  // Every running stage and feed activity listens for the shutdown: tens at once, by design.
  setMaxListeners(0, stopping.signal);
  const sectors = loadSectors(config.sectorsFile);
  const deps: ActivityDeps = {
    config,
    redis,
    blocking: new BlockingPool(redis),
    keys: keysOf(config),
    logger: logger.child({ module: 'activities' }),
    metrics: createWorkerMetrics(opts.registry),
    sectors,
    now: Date.now,
    shutdown: stopping.signal,
    archiveSink: lazyArchiveSink(config, sectors),
  };
  const close = async () => {
    await deps.blocking.close();
    await deps.archiveSink?.close();
    unwatch();
    // Bounded: a QUIT while Redis is unreachable would wait out every retry.
    await closeRedis(redis, 1000);
  };
  try {
    const worker = await Worker.create({
      connection: opts.connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      ...(opts.workflowBundle
        ? { workflowBundle: opts.workflowBundle }
        : { workflowsPath: require.resolve('../workflows') }),
      activities: createActivities(deps),
      // Lets a running batch commit and a feed flush before the process exits on SIGTERM.
      shutdownGraceTime: config.worker.shutdownGraceMs,
      maxConcurrentActivityTaskExecutions: config.worker.maxConcurrentActivities,
      // A handful of long-lived workflows: a small cache keeps memory flat on a 2-core box.
      maxCachedWorkflows: 100,
      ...tracingOptions(opts.tracing, opts.workflowBundle !== undefined),
    });
    if (config.archive.sink === 'postgres') {
      // The archive schema's migrations run at start-up; a database not up yet is not fatal:
      // the first archive opens the sink (and migrates) again.
      deps.archiveSink?.get().then(
        () => logger.info('archive sink ready (PostgreSQL schema migrated)'),
        (err: unknown) => logger.warn({ err }, 'archive sink not ready; retried on first use'),
      );
    }
    const shutdown = () => {
      stopping.abort();
      if (worker.getState() === 'RUNNING') worker.shutdown();
    };
    return { worker, deps, shutdown, close };
  } catch (err) {
    await close();
    throw err;
  }
}
