import { Context } from '@temporalio/activity';
import type { LazyArchiveSink } from '../lib/archive';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger';
import type { Keys, Redis } from '../lib/redis';
import type { BlockingPool } from './blocking-pool';
import type { WorkerMetrics } from './metrics';

/** Everything the activities touch, built once per worker process and injected. */
export interface ActivityDeps {
  readonly config: Config;
  readonly redis: Redis;
  /** Connections for XREADGROUP BLOCK. */
  readonly blocking: BlockingPool;
  readonly keys: Keys;
  readonly logger: Logger;
  readonly metrics: WorkerMetrics;
  readonly sectors: ReadonlyMap<string, string>;
  /** Wall clock; injected so tests can pin it. */
  readonly now: () => number;
  /**
   * Aborted when the worker process starts shutting down. Temporal cancels activities only
   * when the shutdown grace time ends; long-running ones (feeds) leave at once on this, so
   * short batches get the grace time to commit.
   */
  readonly shutdown: AbortSignal;
  /** The archive sink, opened on first use; omitted: the archive activities open their own. */
  readonly archiveSink?: LazyArchiveSink;
  /**
   * Budget of one legacy `processBatch` activity (runs started before `runStage`); tests
   * shrink it. @defaultValue 20,000 events or 2 s
   */
  readonly legacyBatch?: { readonly activityMaxEvents: number; readonly activityMaxMs: number };
}

/**
 * A logger carrying the Temporal ids of the running activity, so a log line can be joined
 * with its workflow in the UI. Outside an activity (benchmarks, replays from scripts) it is
 * the plain logger.
 */
export function activityLogger(logger: Logger, extra: Record<string, unknown> = {}): Logger {
  let ctx: Context | undefined;
  try {
    ctx = Context.current();
  } catch {
    return logger.child(extra);
  }
  const info = ctx.info;
  return logger.child({
    workflowId: info.workflowExecution?.workflowId,
    runId: info.workflowExecution?.runId,
    activity: info.activityType,
    activityId: info.activityId,
    attempt: info.attempt,
    ...extra,
  });
}
