import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { FAILURE, type CopyProgress, type CopyResult, type TrimResult } from '../../contract';
import {
  BadDayError,
  canonicalAnomaly,
  canonicalTick,
  dayRange,
  lazyArchiveSink,
  RowDigest,
  sameDigest,
  trimBoundMs,
  type ArchiveManifest,
  type ArchiveSink,
  type Dataset,
  type DigestState,
  type SinkPosition,
} from '../../lib/archive';
import { decodeAnomaly, decodeTick } from '../../lib/redis';
import { activityLogger, type ActivityDeps } from '../deps';
import type { StreamEntry } from '../stream-reader';
import { droppedSince, fieldBytes, pages } from './source';

/** Entries removed per approximate XTRIM call. */
const TRIM_STEP = 100_000;

function checkedRange(day: string): { start: number; end: number } {
  try {
    return dayRange(day);
  } catch (err) {
    if (err instanceof BadDayError)
      throw ApplicationFailure.nonRetryable(err.message, FAILURE.badDay);
    throw err;
  }
}

function inActivity(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // called directly (CLI, bench, tests)
  }
}

export function createArchiveActivities(deps: ActivityDeps) {
  const { redis, keys, config, metrics } = deps;
  const archive = deps.archiveSink ?? lazyArchiveSink(config, deps.sectors);
  const a = config.archive;
  const streams: Record<Dataset, string> = {
    ticks: keys.normalizedEvents,
    anomalies: keys.anomalies,
  };
  const canonical: Record<Dataset, (id: string, f: string[]) => string> = {
    ticks: (id, f) => canonicalTick(decodeTick(id, f)),
    anomalies: (id, f) => canonicalAnomaly(decodeAnomaly(id, f)),
  };
  const timer = (step: string, sink: ArchiveSink) =>
    metrics.archiveStepDuration.startTimer({ step, sink: sink.kind });
  const testDelay = () => (a.testDelayMs > 0 ? sleep(a.testDelayMs) : Promise.resolve());

  /** The digest of a day of one stream as Redis holds it now. */
  async function sourceDigest(dataset: Dataset, day: string): Promise<DigestState> {
    const d = new RowDigest();
    for await (const page of pages(redis, streams[dataset], '', day, a.pageSize)) {
      for (const [id, f] of page) d.add(canonical[dataset](id, f));
      inActivity()?.heartbeat({ day, step: 'verify', dataset });
    }
    return d.state();
  }

  async function sinkDigest(
    sink: ArchiveSink,
    dataset: Dataset,
    day: string,
  ): Promise<DigestState> {
    const d = new RowDigest();
    if (dataset === 'ticks') {
      for await (const rows of sink.scanTicks(day)) {
        for (const t of rows) d.add(canonicalTick(t));
        inActivity()?.heartbeat({ day, step: 'verify', dataset });
      }
    } else {
      for await (const rows of sink.scanAnomalies(day)) {
        for (const r of rows) d.add(canonicalAnomaly(r));
        inActivity()?.heartbeat({ day, step: 'verify', dataset });
      }
    }
    return d.state();
  }

  return {
    /** The day's manifest when the day is archived (and verified), else null. */
    async readArchiveManifest(input: { day: string }): Promise<ArchiveManifest | null> {
      checkedRange(input.day);
      return (await (await archive.get()).readManifest(input.day)) ?? null;
    },

    /**
     * Copies one closed UTC day of `normalized:events` and `anomalies:events` (stream ids are
     * ms timestamps) to the sink, page by page: memory bounded whatever the day's size. Every
     * ARCHIVE_CHECKPOINT_EVENTS it flushes the sink and heartbeats a resume point, so a retry
     * after a crash goes on from there; without one it starts over, replacing what an earlier
     * attempt left. The new copy replaces the published day only at the end.
     */
    async copyDayToArchive(input: { day: string }): Promise<CopyResult> {
      const { day } = input;
      const { start, end } = checkedRange(day);
      if (end > deps.now()) {
        throw ApplicationFailure.nonRetryable(`${day} is not over yet`, FAILURE.dayNotClosed);
      }
      const ctx = inActivity();
      const log = activityLogger(deps.logger, { day });
      const sink = await archive.get();
      const stop = timer('copy', sink);
      const resume = ctx?.info.heartbeatDetails as CopyProgress | undefined;
      const from = resume?.day === day ? resume.checkpoint : undefined;
      const writer = await sink.openDay(day, from?.position);
      const sourceComplete = !(
        await Promise.all(
          (['ticks', 'anomalies'] as const).map((ds) =>
            droppedSince(redis, streams[ds], keys.archiveTrim, start),
          ),
        )
      ).some(Boolean);
      if (from) log.info({ checkpoint: from }, 'resuming the copy from its checkpoint');

      const state: Record<Dataset, { fromId: string; toId: string; digest: RowDigest }> = {
        ticks: {
          fromId: from?.ticks.fromId ?? '',
          toId: from?.ticks.toId ?? '',
          digest: new RowDigest(from?.ticks.digest),
        },
        anomalies: {
          fromId: from?.anomalies.fromId ?? '',
          toId: from?.anomalies.toId ?? '',
          digest: new RowDigest(from?.anomalies.digest),
        },
      };
      let checkpoint = from;
      let position: SinkPosition = from?.position ?? {
        ticksAfter: '',
        anomaliesAfter: '',
        part: 0,
      };
      const progress = (phase: Dataset, lastMs: number): CopyProgress => ({
        day,
        phase,
        ticks: state.ticks.digest.state().count,
        anomalies: state.anomalies.digest.state().count,
        fraction: Math.min(1, Math.max(0, (lastMs - start) / (end - start))),
        checkpoint,
      });
      try {
        const phases: Dataset[] =
          from?.phase === 'anomalies' ? ['anomalies'] : ['ticks', 'anomalies'];
        for (const phase of phases) {
          const s = state[phase];
          let sinceFlush = 0;
          for await (const page of pages(redis, streams[phase], s.toId, day, a.pageSize)) {
            if (phase === 'ticks') {
              const rows = page.map(([id, f]) => decodeTick(id, f));
              for (const t of rows) s.digest.add(canonicalTick(t));
              await writer.appendTicks(rows);
            } else {
              const rows = page.map(([id, f]) => decodeAnomaly(id, f));
              for (const r of rows) s.digest.add(canonicalAnomaly(r));
              await writer.appendAnomalies(rows);
            }
            let bytes = 0;
            for (const [, f] of page) bytes += fieldBytes(f);
            metrics.archiveEvents.inc({ dataset: phase, sink: sink.kind }, page.length);
            metrics.archiveBytes.inc({ dataset: phase, sink: sink.kind }, bytes);
            s.fromId ||= page[0]![0];
            s.toId = page[page.length - 1]![0];
            sinceFlush += page.length;
            if (sinceFlush >= a.checkpointEvents) {
              const { part } = await writer.flush();
              sinceFlush = 0;
              position = {
                ...position,
                part,
                [phase === 'ticks' ? 'ticksAfter' : 'anomaliesAfter']: s.toId,
              };
              checkpoint = {
                phase,
                position,
                ticks: { ...state.ticks, digest: state.ticks.digest.state() },
                anomalies: { ...state.anomalies, digest: state.anomalies.digest.state() },
              };
            }
            ctx?.heartbeat(progress(phase, Number(s.toId.split('-')[0])));
            await testDelay();
          }
        }
        await writer.publish();
      } catch (err) {
        await writer.abort();
        throw err;
      }
      const result: CopyResult = {
        day,
        ticks: {
          stream: streams.ticks,
          fromId: state.ticks.fromId,
          toId: state.ticks.toId,
          digest: state.ticks.digest.state(),
        },
        anomalies: {
          stream: streams.anomalies,
          fromId: state.anomalies.fromId,
          toId: state.anomalies.toId,
          digest: state.anomalies.digest.state(),
        },
        sourceComplete,
        resumed: from !== undefined,
      };
      stop();
      log.info(
        {
          ticks: result.ticks.digest.count,
          anomalies: result.anomalies.digest.count,
          sink: sink.kind,
        },
        'day copied',
      );
      return result;
    },

    /**
     * Checks the copy against its source: count and checksum of the day's range in Redis now,
     * of what the sink holds, and of what the copy reported must all agree. Returns the
     * manifest to write; a mismatch fails without retry (the workflow copies again).
     */
    async verifyArchivedDay(input: { copy: CopyResult }): Promise<ArchiveManifest> {
      const { copy } = input;
      const sink = await archive.get();
      const stop = timer('verify', sink);
      const problems: string[] = [];
      const { start } = checkedRange(copy.day);
      let sourceComplete = copy.sourceComplete;
      for (const dataset of ['ticks', 'anomalies'] as const) {
        const stored = await sinkDigest(sink, dataset, copy.day);
        const copied = copy[dataset].digest;
        // Entries of the day dropped from Redis since the copy began (the pipeline's MAXLEN
        // cap, never our trim: the day has no manifest yet) leave nothing to compare against;
        // the archive is then checked against what the copy read, and flagged incomplete.
        const dropped = await droppedSince(redis, streams[dataset], keys.archiveTrim, start);
        const source = dropped ? copied : await sourceDigest(dataset, copy.day);
        if (dropped) sourceComplete = false;
        if (!sameDigest(source, stored) || !sameDigest(source, copied)) {
          problems.push(
            `${dataset}: source ${source.count}/${source.sum}, archive ${stored.count}/${stored.sum}, copied ${copied.count}/${copied.sum}`,
          );
        }
      }
      stop();
      if (problems.length > 0) {
        throw ApplicationFailure.create({
          message: `archive of ${copy.day} does not match its source: ${problems.join('; ')}`,
          type: FAILURE.archiveMismatch,
          nonRetryable: true,
        });
      }
      return {
        version: 1,
        day: copy.day,
        sink: sink.kind,
        ticks: copy.ticks,
        anomalies: copy.anomalies,
        sourceComplete,
        verifiedAt: deps.now(),
      };
    },

    /** Writes the manifest: from now on the day counts as archived (the commit point). */
    async writeArchiveManifest(input: { manifest: ArchiveManifest }): Promise<void> {
      const sink = await archive.get();
      await sink.writeManifest(input.manifest);
      activityLogger(deps.logger, { day: input.manifest.day }).info(
        { ticks: input.manifest.ticks.digest.count, sink: sink.kind },
        'manifest written',
      );
    },

    /**
     * XTRIM MINID of both streams, to what the retention rule allows (lib/archive/retention.ts):
     * never into the last ARCHIVE_RETENTION_DAYS days, never past a day without a manifest.
     * Idempotent: a second run finds nothing more to remove.
     */
    async trimArchived(): Promise<TrimResult> {
      const sink = await archive.get();
      await testDelay();
      const stop = timer('trim', sink);
      const archivedDays = new Set(await sink.listDays());
      const out: Record<Dataset, { minId: string | null; removed: number }> = {
        ticks: { minId: null, removed: 0 },
        anomalies: { minId: null, removed: 0 },
      };
      for (const dataset of ['ticks', 'anomalies'] as const) {
        const first = (await redis.xrange(streams[dataset], '-', '+', 'COUNT', 1)) as StreamEntry[];
        const firstId = first[0]?.[0];
        const bound = trimBoundMs({
          firstEntryMs: firstId === undefined ? undefined : Number(firstId.split('-')[0]),
          archivedDays,
          nowMs: deps.now(),
          retentionDays: a.retentionDays,
        });
        if (bound === undefined) continue;
        const minId = `${bound}-0`;
        // Whole radix-tree nodes first, TRIM_STEP entries per call, so Redis keeps serving
        // between calls whatever the day's size; then the exact bound (a node's worth at most).
        let removed = 0;
        for (;;) {
          const n = Number(
            await redis.xtrim(streams[dataset], 'MINID', '~', minId, 'LIMIT', TRIM_STEP),
          );
          removed += n;
          inActivity()?.heartbeat({ step: 'trim', dataset, removed });
          if (n === 0) break;
        }
        removed += Number(await redis.xtrim(streams[dataset], 'MINID', minId));
        const head = (await redis.xrange(streams[dataset], '-', '+', 'COUNT', 1)) as StreamEntry[];
        if (head[0]) await redis.hset(keys.archiveTrim, streams[dataset], head[0][0]);
        else await redis.hdel(keys.archiveTrim, streams[dataset]);
        out[dataset] = { minId, removed };
        metrics.archiveTrimmed.inc({ dataset }, removed);
      }
      stop();
      activityLogger(deps.logger).info(out, 'streams trimmed');
      return out;
    },
  };
}
