import { ApplicationFailure } from '@temporalio/common';
import { FAILURE, type CopyResult } from '../../contract';
import {
  canonicalAnomaly,
  canonicalTick,
  RowDigest,
  sameDigest,
  type ArchiveManifest,
  type ArchiveSink,
  type Dataset,
  type DigestState,
} from '../../lib/archive';
import {
  anyDropped,
  canonicalEntry,
  checkedRange,
  inActivity,
  type ArchiveContext,
} from './context';
import { pages } from './source';

/** The digest of a day of one dataset as Redis holds it now, every partition's stream. */
async function sourceDigest(
  c: ArchiveContext,
  dataset: Dataset,
  day: string,
): Promise<DigestState> {
  const d = new RowDigest();
  const pageSize = c.deps.config.archive.pageSize;
  for (let p = 0; p < c.partitions; p++) {
    for await (const page of pages(c.deps.redis, c.stream(dataset, p), '', day, pageSize)) {
      for (const [id, f] of page) d.add(canonicalEntry[dataset](id, f, p));
      inActivity()?.heartbeat({ day, step: 'verify', dataset, partition: p });
    }
  }
  return d.state();
}

/** The digest of what the sink holds of a day of one dataset (all partitions). */
async function sinkDigest(sink: ArchiveSink, dataset: Dataset, day: string): Promise<DigestState> {
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

/**
 * Checks the copy against its source: count and checksum of the day in every partition's
 * stream now, of what the sink holds, and of what the copy reported must all agree (one
 * combined digest per dataset: a row in the wrong partition changes it too). Returns the
 * manifest to write; a mismatch fails without retry (the workflow copies again).
 */
export async function verifyDay(c: ArchiveContext, copy: CopyResult): Promise<ArchiveManifest> {
  const sink = await c.archive.get();
  const stop = c.timer('verify', sink);
  const problems: string[] = [];
  const { start } = checkedRange(copy.day);
  let sourceComplete = copy.sourceComplete;
  if (copy.partitions !== c.partitions) {
    problems.push(`copied ${copy.partitions} partitions, PIPELINE_PARTITIONS is ${c.partitions}`);
  }
  for (const dataset of ['ticks', 'anomalies'] as const) {
    const stored = await sinkDigest(sink, dataset, copy.day);
    const copied = copy[dataset].digest;
    // Entries of the day dropped from Redis since the copy began (the pipeline's MAXLEN cap,
    // never our trim: the day has no manifest yet) leave nothing to compare against; the
    // archive is then checked against what the copy read, and flagged incomplete.
    const dropped = await anyDropped(c, dataset, start);
    const source = dropped ? copied : await sourceDigest(c, dataset, copy.day);
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
    version: 2,
    day: copy.day,
    sink: sink.kind,
    partitions: copy.partitions,
    ticks: copy.ticks,
    anomalies: copy.anomalies,
    sourceComplete,
    verifiedAt: c.deps.now(),
  };
}
