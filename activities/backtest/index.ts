import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BacktestDayInput } from '../../contract';
import { lazyArchiveSink } from '../../lib/archive';
import type { BacktestReport, DayReport } from '../../lib/domain';
import type { ActivityDeps } from '../deps';
import { activityLogger } from '../deps';
import { backtestDay, backtestDir } from './backtest-day';

export { backtestDay, backtestDayDir, backtestDir } from './backtest-day';

/** The backtestAnomalies workflow's activities: a day's replay, and the run's stored report. */
export function createBacktestActivities(deps: ActivityDeps) {
  const archive = deps.archiveSink ?? lazyArchiveSink(deps.config, deps.sectors);
  const reportFile = (runId: string) => join(backtestDir(deps.config, runId), 'report.json');
  return {
    /** Replays one archived day under both settings (see {@link backtestDay}). */
    async backtestArchivedDay(input: BacktestDayInput): Promise<DayReport> {
      const log = activityLogger(deps.logger, { day: input.day });
      const report = await backtestDay(deps.config, archive, input, log);
      log.info(
        {
          ticks: report.ticksRead,
          production: report.production.total,
          candidate: report.candidate.total,
        },
        'backtest day done',
      );
      return report;
    },

    /** The run's stored report, when an earlier run of the same id finished. */
    async readBacktestReport(input: { runId: string }): Promise<BacktestReport | null> {
      const file = reportFile(input.runId);
      if (!existsSync(file)) return null;
      return JSON.parse(await readFile(file, 'utf8')) as BacktestReport;
    },

    /** Stores the run's report next to its days' output (the run's commit point). */
    async storeBacktestReport(input: { runId: string; report: BacktestReport }): Promise<void> {
      const file = reportFile(input.runId);
      await mkdir(backtestDir(deps.config, input.runId), { recursive: true });
      await writeFile(`${file}.tmp`, `${JSON.stringify(input.report, null, 2)}\n`);
      await rename(`${file}.tmp`, file);
    },
  };
}
