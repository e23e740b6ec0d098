import { Client, Connection, ScheduleOverlapPolicy, WorkflowFailedError } from '@temporalio/client';
import { SingleBar } from 'cli-progress';
import type { Activities } from '../activities';
import { startArchiveDay, workflowHandle } from '../clients';
import {
  ARCHIVE_SCHEDULE_ID,
  archiveDayWorkflow,
  archiveWorkflowId,
  type ArchiveDayResult,
  type CopyProgress,
} from '../contract';
import {
  BadDayError,
  createArchiveSink,
  dayRange,
  daysBetween,
  restoreDay,
  RestoreError,
} from '../lib/archive';
import { ConfigError, loadConfig, type Config } from '../lib/config';
import { progressAllowed, runCli, UsageError } from '../lib/cli';
import { loadSectors } from '../lib/reference';
import { createKeys, createRedis } from '../lib/redis';

const USAGE = `usage:
  npm run archive -- archive  --day YYYY-MM-DD              archive one closed UTC day (waits, shows progress)
  npm run archive -- backfill --from YYYY-MM-DD --to YYYY-MM-DD [--direct]
                                                            archive past days through the Schedule's backfill
                                                            (--direct: start the day workflows one by one instead)
  npm run archive -- restore  --day YYYY-MM-DD [--stream NAME] [--replace]
                                                            put an archived day back into Redis, one stream
                                                            per partition (default restored:{p<N>}:normalized:<day>;
                                                            --stream NAME: NAME-p<N> when the day has
                                                            more than one partition, else NAME)
Results go to stdout as JSON; progress bars to stderr, on a terminal only.
Exit codes: 0 done, 1 failed, 2 usage error (a bad command, option or day).`;

/** The part of a progress bar the commands use. */
type Bar = Pick<SingleBar, 'start' | 'update' | 'stop'>;
const NO_BAR: Bar = { start: () => undefined, update: () => undefined, stop: () => undefined };

/** A progress bar on a terminal; nothing in a pipe or a log (the JSON result says it all). */
function bar(format: string): Bar {
  if (!progressAllowed()) return NO_BAR;
  return new SingleBar({ format, hideCursor: true, etaBuffer: 50 });
}

/** A day argument, checked before anything runs: a bad one is a usage error. */
function dayArg(name: string, day: string): string {
  try {
    dayRange(day);
  } catch (err) {
    if (err instanceof BadDayError) throw new UsageError(`--${name}: ${err.message}`);
    throw err;
  }
  return day;
}

async function withTemporal<T>(config: Config, fn: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address: config.temporal.address });
  try {
    return await fn(new Client({ connection, namespace: config.temporal.namespace }));
  } finally {
    await connection.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The activity whose heartbeat carries the copy's progress. */
const COPY_ACTIVITY: keyof Activities = 'copyDayToArchive';

/** The running copy's heartbeat details, from the workflow's pending activities. */
async function copyProgress(client: Client, workflowId: string): Promise<CopyProgress | undefined> {
  const desc = await workflowHandle(client, archiveDayWorkflow, workflowId).describe();
  const data = desc.raw.pendingActivities?.find((a) => a.activityType?.name === COPY_ACTIVITY)
    ?.heartbeatDetails?.payloads?.[0]?.data;
  return data ? (JSON.parse(Buffer.from(data).toString()) as CopyProgress) : undefined;
}

async function archive(config: Config, day: string): Promise<void> {
  dayRange(day);
  await withTemporal(config, async (client) => {
    const started = await startArchiveDay(client, config, day);
    const id = started.workflowId;
    process.stderr.write(`${started.started ? 'started' : 'already running:'} ${id}\n`);
    const handle = workflowHandle(client, archiveDayWorkflow, id);
    const b = bar(
      `${day} [{bar}] {percentage}% | {phase} {partition} ticks {ticks} anomalies {anomalies}`,
    );
    b.start(100, 0, { phase: 'starting', partition: '', ticks: 0, anomalies: 0 });
    const result = handle.result();
    let done = false;
    void result.finally(() => (done = true)).catch(() => undefined);
    while (!done) {
      const p = await copyProgress(client, id).catch(() => undefined);
      if (p) {
        const pct = p.phase === 'ticks' ? p.fraction * 90 : 90 + p.fraction * 10;
        b.update(Math.floor(pct), {
          phase: p.phase,
          partition: `p${p.partition}/${p.partitions}`,
          ticks: p.ticks,
          anomalies: p.anomalies,
        });
      }
      await Promise.race([result.catch(() => undefined), sleep(500)]);
    }
    try {
      const r = await result;
      b.update(100, { phase: r.outcome, partition: '' });
      b.stop();
      process.stdout.write(`${JSON.stringify(summary(r), null, 2)}\n`);
    } catch (err) {
      b.stop();
      throw err;
    }
  });
}

function summary(r: ArchiveDayResult) {
  return {
    day: r.day,
    outcome: r.outcome,
    sink: r.manifest?.sink,
    partitions: r.manifest?.partitions,
    ticks: r.manifest?.ticks.digest.count,
    anomalies: r.manifest?.anomalies.digest.count,
    sourceComplete: r.manifest?.sourceComplete,
    trimmed: r.trim && { ticks: r.trim.ticks.removed, anomalies: r.trim.anomalies.removed },
  };
}

/**
 * Through the Schedule: a backfill over [from + 1 day, to + 2 days) gives one run per day,
 * each archiving the day before its intended time, i.e. from..to; BUFFER_ALL runs them one
 * after the other. The runs show in the Temporal UI under the Schedule.
 */
async function backfill(config: Config, from: string, to: string, direct: boolean): Promise<void> {
  const days = daysBetween(from, to);
  const today = new Date().toISOString().slice(0, 10);
  if (days[days.length - 1]! >= today) throw new UsageError(`--to must be before today (${today})`);
  await withTemporal(config, async (client) => {
    const since = Date.now();
    if (direct) {
      // One at a time: each day copies at full speed; the machine is not flooded.
      const b = bar(`backfill [{bar}] {value}/{total} days | {day}`);
      b.start(days.length, 0, { day: days[0] });
      for (const [i, day] of days.entries()) {
        b.update(i, { day });
        await startArchiveDay(client, config, day);
        await workflowHandle(client, archiveDayWorkflow, archiveWorkflowId(day)).result();
      }
      b.update(days.length, { day: 'done' });
      b.stop();
      return;
    }
    const handle = client.schedule.getHandle(ARCHIVE_SCHEDULE_ID);
    await handle.describe().catch(() => {
      throw new Error(
        `Schedule ${ARCHIVE_SCHEDULE_ID} not found: run \`npm run schedules\` (or npm start) first, or pass --direct`,
      );
    });
    await handle.backfill([
      {
        start: new Date(dayRange(from).end),
        end: new Date(dayRange(to).end + 86_400_000 - 1),
        overlap: ScheduleOverlapPolicy.BUFFER_ALL,
      },
    ]);
    process.stderr.write(
      `backfill of ${days.length} day(s) requested on Schedule ${ARCHIVE_SCHEDULE_ID}\n`,
    );
    const b = bar(`backfill [{bar}] {value}/{total} days`);
    b.start(days.length, 0);
    for (;;) {
      let finished = 0;
      for (const day of days) {
        const d = await workflowHandle(client, archiveDayWorkflow, archiveWorkflowId(day))
          .describe()
          .catch(() => undefined);
        if (!d || (d.closeTime?.getTime() ?? 0) < since) continue;
        if (d.status.name === 'COMPLETED') finished++;
        else if (d.status.name !== 'RUNNING') {
          b.stop();
          throw new Error(`${d.workflowId} ended ${d.status.name}: see the Temporal UI`);
        }
      }
      b.update(finished);
      if (finished === days.length) break;
      await sleep(1000);
    }
    b.stop();
  });
}

/**
 * The target stream of partition `p`: its restored-events key, or `--stream NAME` as given for
 * a day of one partition and `NAME-p<N>` for a day of several (ids repeat across partitions).
 */
function restoreTarget(
  config: Config,
  day: string,
  partitions: number,
  stream: string | undefined,
): (p: number) => string {
  if (stream !== undefined) return (p) => (partitions > 1 ? `${stream}-p${p}` : stream);
  // The day's partitions, which may be more than PIPELINE_PARTITIONS is now.
  const keys = createKeys(config.redis.keyPrefix, Math.max(partitions, config.pipeline.partitions));
  return (p) => keys.partition(p).restoredEvents(day);
}

async function restore(
  config: Config,
  day: string,
  stream: string | undefined,
  replace: boolean,
): Promise<void> {
  dayRange(day);
  const redis = createRedis(config.redis, { maxRetriesPerRequest: 3 });
  const sink = await createArchiveSink(config, loadSectors(config.sectorsFile));
  try {
    const manifest = await sink.readManifest(day);
    const b = bar(`restore ${day} [{bar}] {percentage}% | {value}/{total} ticks`);
    b.start(manifest?.ticks.digest.count ?? 0, 0);
    const r = await restoreDay({
      sink,
      redis,
      day,
      streamOf: restoreTarget(config, day, manifest?.partitions ?? 1, stream),
      replace,
      onProgress: (n) => b.update(n),
    });
    b.stop();
    const partitions = r.partitions.map((p) => ({
      partition: p.partition,
      stream: p.stream,
      restored: p.restored,
    }));
    process.stdout.write(`${JSON.stringify({ day, restored: r.restored, partitions })}\n`);
    const off = r.partitions.filter((p) => p.restored !== p.expected);
    if (r.restored !== r.expected || off.length > 0) {
      const detail = off.map((p) => `partition ${p.partition}: ${p.restored}/${p.expected}`);
      throw new Error(
        `restored ${r.restored} ticks, the manifest says ${r.expected}${detail.length ? ` (${detail.join(', ')})` : ''}`,
      );
    }
  } finally {
    await sink.close();
    redis.disconnect();
  }
}

runCli({
  name: 'archive',
  usage: USAGE,
  positionals: true,
  options: {
    day: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    stream: { type: 'string' },
    replace: { type: 'boolean', default: false },
    direct: { type: 'boolean', default: false },
  },
  async run({ positionals, values }) {
    const [command, extra] = positionals;
    if (!command) throw new UsageError('');
    if (extra !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(extra)}`);
    if (!['archive', 'backfill', 'restore'].includes(command)) {
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
    const need = (name: 'day' | 'from' | 'to'): string => {
      const v = values[name];
      if (!v) throw new UsageError(`${command} needs --${name}`);
      return dayArg(name, v);
    };
    const config = loadConfig();
    switch (command) {
      case 'archive':
        return archive(config, need('day'));
      case 'backfill':
        return backfill(config, need('from'), need('to'), values.direct === true);
      default:
        return restore(config, need('day'), values.stream, values.replace === true);
    }
  },
  describeError(err) {
    const failure =
      err instanceof WorkflowFailedError ? (err.cause?.cause ?? err.cause) : undefined;
    const cause = failure instanceof Error ? failure : undefined;
    return err instanceof ConfigError || err instanceof BadDayError || err instanceof RestoreError
      ? err.message
      : `${err instanceof Error ? err.message : String(err)}${cause ? `: ${cause.message}` : ''}`;
  },
});
