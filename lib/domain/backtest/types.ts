import type { Anomaly, AnomalyType, Severity } from '../types';

/**
 * What a backtest finds and reports. Plain JSON throughout: day reports travel from the
 * activity to the workflow, the merged report is the workflow's result and is stored on disk.
 */

/** An anomaly found in a backtest: where its ticks were (partition) and its instrument's sector. */
export interface BacktestAnomaly extends Anomaly {
  /** The pipeline partition whose stream held the ticks (0 for days archived before partitions). */
  readonly partition: number;
  readonly sector: string;
}

/**
 * A known market event (a label) for precision and recall: a time window on a ticker, of one
 * anomaly type or any. A side "catches" it when it flags the ticker (on `feed`, when given)
 * inside the window; an anomaly "is explained" when it lies in some label's window.
 */
export interface KnownEvent {
  readonly ticker: string;
  readonly feed?: string;
  readonly type?: AnomalyType;
  /** Event time window, ms since epoch, both ends included. */
  readonly from: number;
  readonly to: number;
}

/** Anomaly counts of one side, each record with its keys in ascending order. */
export interface SideCounts {
  total: number;
  byType: Record<string, number>;
  bySeverity: Record<string, number>;
  bySector: Record<string, number>;
  /** By instrument, `ticker@feed`. */
  byInstrument: Record<string, number>;
}

/** One side's standing against the labels. */
export interface LabelScore {
  /** Anomalies inside some label's window. */
  explained: number;
  /** Indexes (into the input's labels) of the labels this side caught, ascending. */
  caught: number[];
}

/** An anomaly one side flagged and the other did not. */
export interface Difference {
  readonly only: 'production' | 'candidate';
  readonly anomaly: BacktestAnomaly;
}

/** One day compared: what each side flagged, what only one side flagged. */
export interface DayReport {
  readonly day: string;
  /** Ticks read from the archive for the day (every partition). */
  readonly ticksRead: number;
  /** Of those, the ticks replayed (the input's instrument and sector filters kept them). */
  readonly ticksReplayed: number;
  readonly production: SideCounts;
  readonly candidate: SideCounts;
  /** Matched on both sides (same partition, instrument, type and triggering tick). */
  readonly both: number;
  readonly onlyProduction: number;
  readonly onlyCandidate: number;
  /** The first differences in (ts, partition, tick id, type) order, at most the run's limit. */
  readonly differences: readonly Difference[];
  readonly labels?: { readonly production: LabelScore; readonly candidate: LabelScore };
}

/** A day's line in the run's report. */
export interface DaySummary {
  readonly day: string;
  readonly ticksRead: number;
  readonly production: number;
  readonly candidate: number;
  readonly onlyProduction: number;
  readonly onlyCandidate: number;
}

/** Precision and recall of one side against the labels (null when undefined: nothing to divide). */
export interface SideScore {
  readonly precision: number | null;
  readonly recall: number | null;
  readonly explained: number;
  readonly caught: number;
}

/** The whole run: the days' reports summed, and the first differences over every day. */
export interface BacktestReport {
  readonly from: string;
  readonly to: string;
  readonly days: number;
  readonly ticksRead: number;
  readonly ticksReplayed: number;
  readonly production: SideCounts;
  readonly candidate: SideCounts;
  readonly both: number;
  readonly onlyProduction: number;
  readonly onlyCandidate: number;
  /** The first differences over all days, in day order; every one is in the day's files. */
  readonly differences: readonly Difference[];
  readonly labels?: {
    readonly total: number;
    readonly production: SideScore;
    readonly candidate: SideScore;
  };
  /** Per day, in day order. */
  readonly perDay: readonly DaySummary[];
}

export type { AnomalyType, Severity };
