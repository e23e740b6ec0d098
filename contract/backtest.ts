import type { BacktestReport, DayReport, KnownEvent } from '../lib/domain/backtest';
import { query, workflow } from './definitions';

/**
 * The backtestAnomalies workflow's contract: what-if detection over archived days. Both sides'
 * settings travel as ANOMALY_* environment text (parsed by lib/config's anomaly declarations),
 * so the input names exactly what ran, and its hash is the run's identity.
 */

export interface BacktestInput {
  /** First and last UTC day (YYYY-MM-DD), both included. */
  readonly from: string;
  readonly to: string;
  /** Only these tickers (every feed), when given. */
  readonly instruments?: readonly string[];
  /** Only ticks of these sectors, when given. */
  readonly sectors?: readonly string[];
  /** The production side: every ANOMALY_* key as text (the starter fills it from its config). */
  readonly production: Readonly<Record<string, string>>;
  /** The candidate side: the production text with the operator's KEY=VALUE changes. */
  readonly candidate: Readonly<Record<string, string>>;
  /** Known market events, for precision and recall. */
  readonly labels?: readonly KnownEvent[];
  /** Ticks per detection batch (stale detection runs once per batch, as in the pipeline). */
  readonly batchSize: number;
  /** How soon a day on a dead worker is retried elsewhere. @defaultValue {@link BACKTEST_DEFAULTS}.heartbeatTimeoutMs */
  readonly heartbeatTimeoutMs?: number;
}

/** One day of a run, for its activity. */
export interface BacktestDayInput {
  /** The run's workflow id: its output directory under the archive root. */
  readonly runId: string;
  readonly day: string;
  readonly input: BacktestInput;
}

/** A day's heartbeat details: its progress, and where a retry resumes. */
export interface BacktestDayProgress {
  readonly day: string;
  readonly ticksRead: number;
  readonly production: number;
  readonly candidate: number;
  /** The checkpoint file written last (under the day's output), when there is one. */
  readonly checkpoint?: string;
}

/** The run's progress (the `backtestProgress` query). */
export interface BacktestProgress {
  readonly days: number;
  readonly daysDone: number;
  /** Over the days done. */
  readonly ticksRead: number;
  readonly production: number;
  readonly candidate: number;
  /** True once the report is stored. */
  readonly done: boolean;
}

export const BACKTEST_DEFAULTS = {
  /** PIPELINE_BATCH_SIZE's default: stale detection as often as the pipeline's full batches. */
  batchSize: 1000,
  /** Differences carried in each day's report and in the run's; all are in the day's files. */
  differences: 100,
  /** Days replayed at once. */
  concurrency: 4,
  /** At most this many days per run. */
  maxDays: 366,
  timeoutMs: 6 * 3_600_000,
  heartbeatTimeoutMs: 60_000,
} as const;

/** The run's directory under the archive root (ARCHIVE_DIR): `backtests/<workflow id>`. */
export const BACKTEST_DIR = 'backtests';

/**
 * The id of a run: `backtest-<key>`, the key a hash of the input (lib/domain/backtest's
 * `backtestKey`), so the same input is the same run and its stored report is returned.
 */
export function backtestWorkflowId(key: string): string {
  return `backtest-${key}`;
}

export const backtestProgressQuery = query<BacktestProgress>('backtestProgress');

/** Replays archived days under production and candidate settings and compares them. */
export type BacktestAnomaliesWorkflow = (input: BacktestInput) => Promise<BacktestReport>;
export const backtestAnomaliesWorkflow = workflow<BacktestAnomaliesWorkflow>()('backtestAnomalies');

export type { BacktestReport, DayReport, KnownEvent };
