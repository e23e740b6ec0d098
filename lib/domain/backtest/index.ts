/**
 * What-if detection (backtests): an archived day's ticks replayed, partition by partition in
 * stream order, through the production detectors ({@link createReplay}) under two settings,
 * and the two sides compared ({@link compareDay}, {@link mergeDays}). Pure: no I/O, no clock;
 * the backtest activity reads the archive and writes the output.
 */
export * from './types';
export { createReplay, type Replay } from './replay';
export {
  addCounts,
  anomalyLine,
  byReportOrder,
  compareDay,
  countSide,
  matchKey,
  mergeDays,
  scoreLabels,
  sortedRecord,
  type DaySides,
} from './report';
export { compareStreamIdText } from './ids';
