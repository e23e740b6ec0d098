import type { BatchResult, PipelineStatus, StageTotals } from '../contract';
import type { Stage } from '../lib/redis/keys';

/** Rates are taken over this many recent activities per stage. */
const RATE_WINDOW = 20;
/** Failed batch ids kept in the FailedBatchIds search attribute. */
const MAX_FAILED_IDS = 100;

function emptyTotals(): StageTotals {
  return { batches: 0, events: 0, out: 0, deadLettered: 0, anomalies: 0, failed: 0 };
}

/**
 * The pipeline workflow's bookkeeping, apart from Temporal: totals per stage (carried across
 * continue-as-new), recent rates, the last failure and the latest failed batch ids.
 */
export class PipelineBook {
  readonly status: PipelineStatus;
  /** Recent (time, events) per stage, for the rate. */
  private readonly recent: Partial<Record<Stage, { t: number; n: number }[]>> = {};
  private readonly failedIds: string[] = [];

  constructor(totals?: Record<Stage, StageTotals>) {
    this.status = {
      stages: totals ?? {
        normalize: emptyTotals(),
        cachepub: emptyTotals(),
        anomaly: emptyTotals(),
      },
    };
  }

  /** Counts one batch activity that returned at `now` (ms; the workflow's replay-safe clock). */
  record(r: BatchResult, now: number): void {
    const t = this.status.stages[r.stage];
    t.lag = r.lag ?? null;
    const window = (this.recent[r.stage] ??= []);
    window.push({ t: now, n: r.count });
    if (window.length > RATE_WINDOW) window.shift();
    const span = (window[window.length - 1]!.t - window[0]!.t) / 1000;
    t.eventsPerSecond =
      span > 0 ? Math.round(window.slice(1).reduce((a, w) => a + w.n, 0) / span) : 0;
    if (r.count === 0) return;
    t.batches += r.chunks ?? 1;
    t.events += r.count;
    t.out += r.out;
    t.deadLettered += r.deadLettered;
    t.duplicates = (t.duplicates ?? 0) + (r.duplicates ?? 0);
    t.anomalies += r.anomalies;
    t.lastBatchId = r.firstId;
  }

  /** Counts a batch that used up its attempts (recorded as `batchId`, or null if nothing was pending). */
  failed(stage: Stage, batchId: string | null, error: string): void {
    this.status.stages[stage].failed++;
    this.status.lastFailure = { stage, batchId, error };
  }

  /** Adds a failed batch id; returns the latest ones, newest last. */
  addFailedId(batchId: string): string[] {
    this.failedIds.push(batchId);
    if (this.failedIds.length > MAX_FAILED_IDS) this.failedIds.shift();
    return [...this.failedIds];
  }
}
