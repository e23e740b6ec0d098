import { existsSync } from 'node:fs';
import {
  appendFile,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import {
  BACKTEST_DEFAULTS,
  BACKTEST_DIR,
  FAILURE,
  type BacktestDayInput,
  type BacktestDayProgress,
  type BacktestInput,
} from '../../contract';
import { isAfter, type LazyArchiveSink } from '../../lib/archive';
import { ConfigError, parseAnomalySettings, type Config } from '../../lib/config';
import {
  anomalyLine,
  compareDay,
  createReplay,
  type AnomalyParams,
  type BacktestAnomaly,
  type DayReport,
  type Replay,
} from '../../lib/domain';
import type { Logger } from '../../lib/logger';
import { checkedRange, inActivity } from '../archive/context';

/** Where a killed attempt's successor goes on from: written at a replay batch end. */
interface Checkpoint {
  readonly partition: number;
  /** The last tick (of `partition`) consumed. */
  readonly after: string;
  readonly ticksRead: number;
  readonly ticksReplayed: number;
  /** Bytes of each side's NDJSON output that belong to the replay so far. */
  readonly bytes: { readonly production: number; readonly candidate: number };
  /** Each side's windows of `partition` ({@link Replay.snapshot}). */
  readonly windows: {
    readonly production: [string, string][];
    readonly candidate: [string, string][];
  };
  readonly replayTicks: number;
}

type Side = 'production' | 'candidate';
const SIDES: readonly Side[] = ['production', 'candidate'];

/** A run's directory, and a day's in it. */
export function backtestDir(config: Config, runId: string): string {
  return join(config.archive.dir, BACKTEST_DIR, runId);
}
export function backtestDayDir(config: Config, runId: string, day: string): string {
  return join(backtestDir(config, runId), `date=${day}`);
}

/** Both sides' settings, or a non-retryable failure naming the bad keys. */
export function settingsOf(input: BacktestInput): Record<Side, AnomalyParams> {
  try {
    return {
      production: parseAnomalySettings(input.production),
      candidate: parseAnomalySettings(input.candidate),
    };
  } catch (err) {
    if (err instanceof ConfigError) {
      throw ApplicationFailure.nonRetryable(err.message, FAILURE.badBacktest);
    }
    throw err;
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
}

function parseLines(text: string): BacktestAnomaly[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as BacktestAnomaly);
}

/**
 * Replays one archived day under both settings: the day's ticks partition by partition in
 * stream order (as the sink gives them back, so the day is read once), each partition with
 * fresh windows on both sides; each side's anomalies go to `<side>.ndjson` in the day's
 * directory under the archive root, the comparison to `report.json` there (the day's stored
 * result: a later attempt or run returns it). Every ARCHIVE_CHECKPOINT_EVENTS ticks (at a
 * batch end) the windows and output lengths go to a checkpoint file and its name into the
 * heartbeat, so an attempt after a killed worker resumes from there.
 */
export async function backtestDay(
  config: Config,
  archive: LazyArchiveSink,
  { runId, day, input }: BacktestDayInput,
  logger?: Logger,
): Promise<DayReport> {
  const dir = backtestDayDir(config, runId, day);
  const reportFile = join(dir, 'report.json');
  if (existsSync(reportFile)) return JSON.parse(await readFile(reportFile, 'utf8')) as DayReport;
  checkedRange(day);
  const params = settingsOf(input);
  const sink = await archive.get();
  if (!(await sink.readManifest(day))) {
    throw ApplicationFailure.nonRetryable(
      `${day} is not archived (no manifest)`,
      FAILURE.notArchived,
    );
  }
  const ctx = inActivity();
  const resumedFrom = (ctx?.info.heartbeatDetails as BacktestDayProgress | undefined)?.checkpoint;
  const ck =
    resumedFrom && existsSync(resumedFrom)
      ? (JSON.parse(await readFile(resumedFrom, 'utf8')) as Checkpoint)
      : undefined;
  if (ck)
    logger?.info({ day, ticksRead: ck.ticksRead, checkpoint: resumedFrom }, 'backtest day resumed');
  await mkdir(dir, { recursive: true });
  const file = (side: Side) => join(dir, `${side}.ndjson`);
  const found: Record<Side, BacktestAnomaly[]> = { production: [], candidate: [] };
  const pending: Record<Side, string[]> = { production: [], candidate: [] };
  const bytes = { production: 0, candidate: 0 };
  for (const side of SIDES) {
    await writeFile(file(side), '', { flag: 'a' });
    await truncate(file(side), ck?.bytes[side] ?? 0);
    if (ck) found[side] = parseLines(await readFile(file(side), 'utf8'));
    bytes[side] = ck?.bytes[side] ?? 0;
  }

  const tickers = input.instruments ? new Set(input.instruments) : undefined;
  const sectors = input.sectors ? new Set(input.sectors) : undefined;
  let ticksRead = ck?.ticksRead ?? 0;
  let ticksReplayed = ck?.ticksReplayed ?? 0;
  let sinceCheckpoint = 0;
  let checkpointFile = resumedFrom && ck ? resumedFrom : undefined;
  let partition = -1;
  let replays: Record<Side, Replay> | undefined;

  const open = (p: number, resume?: Checkpoint): Record<Side, Replay> => {
    const make = (side: Side) =>
      createReplay(
        params[side],
        p,
        input.batchSize,
        (a) => {
          found[side].push(a);
          pending[side].push(`${anomalyLine(a)}\n`);
        },
        resume ? { windows: resume.windows[side], ticks: resume.replayTicks } : undefined,
      );
    return { production: make('production'), candidate: make('candidate') };
  };
  const progress = (): BacktestDayProgress => ({
    day,
    ticksRead,
    production: found.production.length,
    candidate: found.candidate.length,
    ...(checkpointFile ? { checkpoint: checkpointFile } : {}),
  });
  const flushOutput = async () => {
    for (const side of SIDES) {
      const text = pending[side].join('');
      pending[side] = [];
      if (text === '') continue;
      await appendFile(file(side), text);
      bytes[side] += Buffer.byteLength(text);
    }
  };
  const heartbeatTimeoutMs = ctx?.info.heartbeatTimeoutMs ?? BACKTEST_DEFAULTS.heartbeatTimeoutMs;
  const written: { name: string; at: number }[] = [];
  const checkpoint = async (after: string) => {
    await flushOutput();
    const next: Checkpoint = {
      partition,
      after,
      ticksRead,
      ticksReplayed,
      bytes: { ...bytes },
      windows: {
        production: replays!.production.snapshot(),
        candidate: replays!.candidate.snapshot(),
      },
      replayTicks: replays!.production.ticks,
    };
    // A new file each time: the heartbeat names one that is complete.
    const name = join(dir, `checkpoint-${ticksRead}.json`);
    await writeAtomically(name, JSON.stringify(next));
    checkpointFile = name;
    ctx?.heartbeat(progress());
    // The SDK throttles heartbeats (up to 0.8 × the heartbeat timeout): the server may still
    // name an older file, so a file goes only once a newer one has surely reached it.
    const now = Date.now();
    written.push({ name, at: now });
    while (written.length > 1 && written[0]!.at < now - 2 * heartbeatTimeoutMs) {
      await rm(written.shift()!.name, { force: true });
    }
    sinceCheckpoint = 0;
    if (config.archive.testDelayMs > 0) await sleep(config.archive.testDelayMs);
  };

  if (ck) {
    partition = ck.partition;
    replays = open(ck.partition, ck);
  }
  const position = ck ? { partition: ck.partition, after: ck.after } : undefined;
  for await (const batch of sink.scanTicks(day)) {
    for (const t of batch) {
      if (position && !isAfter(position, t.partition, t.id)) continue;
      if (t.partition !== partition) {
        replays?.production.end();
        replays?.candidate.end();
        partition = t.partition;
        replays = open(partition);
      }
      ticksRead++;
      sinceCheckpoint++;
      if ((tickers && !tickers.has(t.ticker)) || (sectors && !sectors.has(t.sector))) continue;
      replays!.production.add(t);
      replays!.candidate.add(t);
      ticksReplayed++;
      if (sinceCheckpoint >= config.archive.checkpointEvents && replays!.production.atBatchEnd) {
        await checkpoint(t.id);
      }
    }
    ctx?.heartbeat(progress());
  }
  replays?.production.end();
  replays?.candidate.end();
  await flushOutput();
  const report = compareDay(
    { day, ticksRead, ticksReplayed, production: found.production, candidate: found.candidate },
    BACKTEST_DEFAULTS.differences,
    input.labels,
  );
  await writeAtomically(reportFile, `${JSON.stringify(report)}\n`);
  // Every checkpoint of the day, a dead attempt's included: the report supersedes them.
  for (const f of await readdir(dir)) {
    if (/^checkpoint-\d+\.json$/.test(f)) await rm(join(dir, f), { force: true });
  }
  return report;
}
