import {
  ApplicationFailure,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { BadDayError, daysBetween } from '../lib/archive/day';
import { mergeDays } from '../lib/domain/backtest/report';
import type { DayReport } from '../lib/domain/backtest/types';
import {
  BACKTEST_DEFAULTS,
  FAILURE,
  backtestProgressQuery,
  type BacktestInput,
  type BacktestProgress,
  type BacktestReport,
} from '../contract';

const retry = {
  initialInterval: '1s',
  maximumInterval: '1m',
  maximumAttempts: 10,
  nonRetryableErrorTypes: [FAILURE.badDay, FAILURE.notArchived, FAILURE.badBacktest],
};
const { readBacktestReport, storeBacktestReport } = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry,
});

/**
 * What-if detection: every day of the range replayed (one heartbeating activity per day, a
 * few at a time) under the production and the candidate settings, compared, and the report
 * stored under the archive root. A run whose report is stored (the same input: the same id)
 * returns it without replaying anything.
 */
export async function backtestAnomalies(input: BacktestInput): Promise<BacktestReport> {
  const runId = workflowInfo().workflowId;
  const { backtestArchivedDay } = proxyActivities<Activities>({
    startToCloseTimeout: BACKTEST_DEFAULTS.timeoutMs,
    heartbeatTimeout: input.heartbeatTimeoutMs ?? BACKTEST_DEFAULTS.heartbeatTimeoutMs,
    retry,
  });
  let days: string[];
  try {
    days = daysBetween(input.from, input.to, BACKTEST_DEFAULTS.maxDays);
  } catch (err) {
    if (err instanceof BadDayError)
      throw ApplicationFailure.nonRetryable(err.message, FAILURE.badDay);
    throw err;
  }
  let progress: BacktestProgress = {
    days: days.length,
    daysDone: 0,
    ticksRead: 0,
    production: 0,
    candidate: 0,
    done: false,
  };
  setHandler(backtestProgressQuery, () => progress);

  const stored = await readBacktestReport({ runId });
  if (stored) {
    progress = { ...progress, daysDone: days.length, done: true };
    return stored;
  }
  const reports: DayReport[] = new Array<DayReport>(days.length);
  let next = 0;
  const lane = async () => {
    while (next < days.length) {
      const i = next++;
      const r = await backtestArchivedDay({ runId, day: days[i]!, input });
      reports[i] = r;
      progress = {
        ...progress,
        daysDone: progress.daysDone + 1,
        ticksRead: progress.ticksRead + r.ticksRead,
        production: progress.production + r.production.total,
        candidate: progress.candidate + r.candidate.total,
      };
    }
  };
  const lanes = Math.min(BACKTEST_DEFAULTS.concurrency, days.length);
  await Promise.all(Array.from({ length: lanes }, lane));
  const report = mergeDays(
    input.from,
    input.to,
    reports,
    BACKTEST_DEFAULTS.differences,
    input.labels?.length ?? 0,
  );
  await storeBacktestReport({ runId, report });
  progress = { ...progress, done: true };
  return report;
}
