import { ApplicationFailure } from '@temporalio/common';
import {
  FAILURE,
  type CopyCheckpoint,
  type CopyProgress,
  type CopyResult,
  type DatasetProgress,
} from '../../contract';
import {
  canonicalAnomaly,
  canonicalTick,
  RowDigest,
  START_POSITION,
  type Dataset,
  type DatasetManifest,
  type DayWriter,
  type SinkPosition,
  type StreamRange,
} from '../../lib/archive';
import { streamIdMs } from '../../lib/redis';
import { activityLogger } from '../deps';
import {
  anomalyRow,
  anyDropped,
  checkedRange,
  DATASETS,
  inActivity,
  tickRow,
  type ArchiveContext,
} from './context';
import { fieldBytes, pages } from './source';

/** One dataset's copy in progress: the combined digest and each partition's range. */
class DatasetCopy {
  private readonly digest: RowDigest;
  private readonly streams: StreamRange[];

  constructor(from?: DatasetProgress) {
    this.digest = new RowDigest(from?.digest);
    this.streams = from ? from.streams.map((r) => ({ ...r })) : [];
  }

  get count(): number {
    return this.digest.state().count;
  }

  /** The range of partition `p` (created empty when the copy reaches it). */
  range(p: number, stream: string): StreamRange {
    let r = this.streams.find((s) => s.partition === p);
    if (!r) this.streams.push((r = { partition: p, stream, fromId: '', toId: '', count: 0 }));
    return r;
  }

  /** Adds a page of partition `p` (its canonical lines) to the digest and the range. */
  add(p: number, stream: string, ids: readonly string[], canonical: readonly string[]): string {
    for (const line of canonical) this.digest.add(line);
    const r = this.range(p, stream);
    const i = this.streams.indexOf(r);
    const toId = ids[ids.length - 1]!;
    this.streams[i] = { ...r, fromId: r.fromId || ids[0]!, toId, count: r.count + ids.length };
    return toId;
  }

  snapshot(): DatasetProgress & DatasetManifest {
    return {
      digest: this.digest.state(),
      streams: [...this.streams].sort((a, b) => a.partition - b.partition),
    };
  }
}

/**
 * The checkpoint of an earlier attempt to go on from, if it is one of this day and of this
 * number of partitions (a checkpoint of a worker before partitions, or of another P, is not:
 * the copy starts over, replacing what that attempt left).
 */
function resumePoint(
  details: unknown,
  day: string,
  partitions: number,
): CopyCheckpoint | undefined {
  const p = details as Partial<CopyProgress> | undefined;
  const cp = p?.day === day ? p.checkpoint : undefined;
  if (!cp || cp.partitions !== partitions || typeof cp.position?.ticks !== 'object')
    return undefined;
  return cp;
}

async function append(
  writer: DayWriter,
  dataset: Dataset,
  page: readonly [string, string[]][],
  p: number,
): Promise<string[]> {
  if (dataset === 'ticks') {
    const rows = page.map(([id, f]) => tickRow(id, f, p));
    await writer.appendTicks(rows);
    return rows.map(canonicalTick);
  }
  const rows = page.map(([id, f]) => anomalyRow(id, f, p));
  await writer.appendAnomalies(rows);
  return rows.map(canonicalAnomaly);
}

/**
 * Copies one closed UTC day of every partition's `normalized` and `anomalies` streams to the
 * sink: ticks then anomalies, partition by partition, page by page (memory bounded whatever
 * the day's size). Every ARCHIVE_CHECKPOINT_EVENTS it flushes the sink and heartbeats a
 * resume point (phase, partition, last id flushed), so a retry after a crash goes on from
 * there; without one it starts over, replacing what an earlier attempt left. The new copy
 * replaces the published day only at the end.
 */
export async function copyDay(c: ArchiveContext, day: string): Promise<CopyResult> {
  const { deps, partitions } = c;
  const { start, end } = checkedRange(day);
  if (end > deps.now()) {
    throw ApplicationFailure.nonRetryable(`${day} is not over yet`, FAILURE.dayNotClosed);
  }
  const ctx = inActivity();
  const log = activityLogger(deps.logger, { day });
  const a = deps.config.archive;
  const sink = await c.archive.get();
  const stop = c.timer('copy', sink);
  const from = resumePoint(ctx?.info.heartbeatDetails, day, partitions);
  const writer = await sink.openDay(day, from?.position);
  const sourceComplete = !(
    (await anyDropped(c, 'ticks', start)) || (await anyDropped(c, 'anomalies', start))
  );
  if (from) log.info({ checkpoint: from }, 'resuming the copy from its checkpoint');

  const state: Record<Dataset, DatasetCopy> = {
    ticks: new DatasetCopy(from?.ticks),
    anomalies: new DatasetCopy(from?.anomalies),
  };
  let checkpoint = from;
  let position: SinkPosition = from?.position ?? START_POSITION;
  const progress = (phase: Dataset, p: number, lastMs: number): CopyProgress => ({
    day,
    phase,
    partition: p,
    partitions,
    ticks: state.ticks.count,
    anomalies: state.anomalies.count,
    fraction: Math.min(1, Math.max(0, (p + (lastMs - start) / (end - start)) / partitions)),
    checkpoint,
  });
  try {
    const phases = from?.phase === 'anomalies' ? ['anomalies' as const] : DATASETS;
    for (const phase of phases) {
      const s = state[phase];
      let sinceFlush = 0;
      const resumed = from?.phase === phase ? from : undefined;
      if (phase === 'anomalies') {
        // Any flush from here on holds every tick: a resume keeps them all.
        position = { ...position, ticks: { partition: partitions, after: '' } };
      }
      for (let p = resumed?.partition ?? 0; p < partitions; p++) {
        const stream = c.stream(phase, p);
        s.range(p, stream);
        const after = p === resumed?.partition ? resumed.after : '';
        for await (const page of pages(deps.redis, stream, after, day, a.pageSize)) {
          const lines = await append(writer, phase, page, p);
          const toId = s.add(
            p,
            stream,
            page.map(([id]) => id),
            lines,
          );
          let bytes = 0;
          for (const [, f] of page) bytes += fieldBytes(f);
          deps.metrics.archiveEvents.inc({ dataset: phase, sink: sink.kind }, page.length);
          deps.metrics.archiveBytes.inc({ dataset: phase, sink: sink.kind }, bytes);
          sinceFlush += page.length;
          if (sinceFlush >= a.checkpointEvents) {
            const { part } = await writer.flush();
            sinceFlush = 0;
            position = { ...position, part, [phase]: { partition: p, after: toId } };
            checkpoint = {
              partitions,
              phase,
              partition: p,
              after: toId,
              position,
              ticks: state.ticks.snapshot(),
              anomalies: state.anomalies.snapshot(),
            };
          }
          ctx?.heartbeat(progress(phase, p, streamIdMs(toId)));
          await c.testDelay();
        }
      }
    }
    await writer.publish();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  const result: CopyResult = {
    day,
    partitions,
    ticks: state.ticks.snapshot(),
    anomalies: state.anomalies.snapshot(),
    sourceComplete,
    resumed: from !== undefined,
  };
  stop();
  log.info(
    {
      ticks: result.ticks.digest.count,
      anomalies: result.anomalies.digest.count,
      partitions,
      sink: sink.kind,
    },
    'day copied',
  );
  return result;
}
