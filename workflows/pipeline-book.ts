import {
  batchId,
  type BatchResult,
  type PipelineStatus,
  type StageRunResult,
  type StageTotals,
} from '../contract';
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
 * continue-as-new) of the stage activities that returned, plus the counters the running ones
 * last reported; recent rates, the last failure and the latest failed batch ids.
 */
export class PipelineBook {
  private readonly totals: Record<Stage, StageTotals>;
  private lastFailure: PipelineStatus['lastFailure'];
  /** Recent (time, events) per stage, for the rate of short batch activities. */
  private readonly recent: Partial<Record<Stage, { t: number; n: number }[]>> = {};
  /** What each running stage activity (by `<stage>-<slot>`) last reported. */
  private readonly running = new Map<string, StageRunResult>();
  private readonly failedIds: string[] = [];

  constructor(totals?: Record<Stage, StageTotals>) {
    this.totals = totals ?? {
      normalize: emptyTotals(),
      cachepub: emptyTotals(),
      anomaly: emptyTotals(),
    };
  }

  /** The `status` query's answer. */
  get status(): PipelineStatus {
    if (this.running.size === 0) return this.view(this.totals);
    // No structuredClone in the workflow sandbox; the totals are flat records.
    const stages = Object.fromEntries(
      Object.entries(this.totals).map(([stage, t]) => [stage, { ...t }]),
    ) as Record<Stage, StageTotals>;
    const rates = new Map<Stage, number>();
    for (const r of this.running.values()) {
      add(stages[r.stage], r);
      if (r.lag !== undefined) stages[r.stage].lag = r.lag;
      rates.set(r.stage, (rates.get(r.stage) ?? 0) + (r.eventsPerSecond ?? 0));
    }
    for (const [stage, eps] of rates) stages[stage].eventsPerSecond = eps;
    return this.view(stages);
  }

  private view(stages: Record<Stage, StageTotals>): PipelineStatus {
    return this.lastFailure ? { stages, lastFailure: this.lastFailure } : { stages };
  }

  /** A running stage activity's report (its counters since it started). */
  progress(r: StageRunResult): void {
    this.running.set(`${r.stage}-${r.slot}`, r);
  }

  /** A stage activity returned: its counters join the totals. */
  finish(r: StageRunResult): void {
    this.running.delete(`${r.stage}-${r.slot}`);
    const t = this.totals[r.stage];
    t.lag = r.lag ?? null;
    add(t, r);
  }

  /** Counts one short batch activity (runs started before stage activities) at `now` (ms). */
  record(r: BatchResult, now: number): void {
    const t = this.totals[r.stage];
    t.lag = r.lag ?? null;
    const window = (this.recent[r.stage] ??= []);
    window.push({ t: now, n: r.count });
    if (window.length > RATE_WINDOW) window.shift();
    const span = (window[window.length - 1]!.t - window[0]!.t) / 1000;
    t.eventsPerSecond =
      span > 0 ? Math.round(window.slice(1).reduce((a, w) => a + w.n, 0) / span) : 0;
    add(t, r);
  }

  /** Counts a batch that used up its attempts (recorded as `batchId`, or null if nothing was pending). */
  failed(stage: Stage, batchId: string | null, error: string): void {
    this.totals[stage].failed++;
    this.lastFailure = { stage, batchId, error };
  }

  /** Adds a failed batch id; returns the latest ones, newest last. */
  addFailedId(batchId: string): string[] {
    this.failedIds.push(batchId);
    if (this.failedIds.length > MAX_FAILED_IDS) this.failedIds.shift();
    return [...this.failedIds];
  }
}

function add(t: StageTotals, r: BatchResult): void {
  if (r.count === 0) return;
  t.batches += r.chunks ?? 1;
  t.events += r.count;
  t.out += r.out;
  t.deadLettered += r.deadLettered;
  t.duplicates = (t.duplicates ?? 0) + (r.duplicates ?? 0);
  t.anomalies += r.anomalies;
  // A stage activity's newest chunk, else (short batches) the batch's first entry.
  const first = (r as StageRunResult).lastChunkId ?? r.firstId;
  if (first !== undefined) t.lastBatchId = batchId(r.stage, r.partition, first);
}
