import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { FAILURE } from '../../contract';
import {
  BadDayError,
  canonicalAnomaly,
  canonicalTick,
  dayRange,
  lazyArchiveSink,
  type ArchivedAnomaly,
  type ArchivedTick,
  type ArchiveSink,
  type Dataset,
  type LazyArchiveSink,
} from '../../lib/archive';
import { decodeAnomaly, decodeTick } from '../../lib/redis';
import type { ActivityDeps } from '../deps';
import { droppedSince } from './source';

/** What the archive's activities share: the sink, the partitions' streams, timers. */
export interface ArchiveContext {
  readonly deps: ActivityDeps;
  readonly archive: LazyArchiveSink;
  /** PIPELINE_PARTITIONS: the copy, verify and trim go over partitions 0..partitions-1. */
  readonly partitions: number;
  /** The stream of a dataset in partition `p`. */
  stream(dataset: Dataset, p: number): string;
  timer(step: string, sink: ArchiveSink): () => void;
  /** ARCHIVE_TEST_DELAY_MS (a test hook): a pause at known steps. */
  testDelay(): Promise<void>;
}

export const DATASETS: readonly Dataset[] = ['ticks', 'anomalies'];

export function archiveContext(deps: ActivityDeps): ArchiveContext {
  const { keys, config, metrics } = deps;
  const delay = config.archive.testDelayMs;
  return {
    deps,
    archive: deps.archiveSink ?? lazyArchiveSink(config, deps.sectors),
    partitions: keys.partitions,
    stream: (dataset, p) =>
      dataset === 'ticks' ? keys.partition(p).normalizedEvents : keys.partition(p).anomalies,
    timer: (step, sink) => metrics.archiveStepDuration.startTimer({ step, sink: sink.kind }),
    testDelay: () => (delay > 0 ? sleep(delay) : Promise.resolve()),
  };
}

export function checkedRange(day: string): { start: number; end: number } {
  try {
    return dayRange(day);
  } catch (err) {
    if (err instanceof BadDayError)
      throw ApplicationFailure.nonRetryable(err.message, FAILURE.badDay);
    throw err;
  }
}

export function inActivity(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // called directly (CLI, bench, tests)
  }
}

/** A stream entry of partition `p` as the archive stores it. */
export function tickRow(id: string, fields: string[], partition: number): ArchivedTick {
  return { ...decodeTick(id, fields), partition };
}

export function anomalyRow(id: string, fields: string[], partition: number): ArchivedAnomaly {
  return { ...decodeAnomaly(id, fields), partition };
}

/** A stream entry's canonical line (the digest's input), as the sink will give it back. */
export const canonicalEntry: Record<
  Dataset,
  (id: string, fields: string[], partition: number) => string
> = {
  ticks: (id, f, p) => canonicalTick(tickRow(id, f, p)),
  anomalies: (id, f, p) => canonicalAnomaly(anomalyRow(id, f, p)),
};

/**
 * True when Redis may have dropped entries of `dataset` at or after `startMs` from any
 * partition's stream (see {@link droppedSince}).
 */
export async function anyDropped(
  c: ArchiveContext,
  dataset: Dataset,
  startMs: number,
): Promise<boolean> {
  for (let p = 0; p < c.partitions; p++) {
    const stream = c.stream(dataset, p);
    if (await droppedSince(c.deps.redis, stream, c.deps.keys.archiveTrim, startMs)) return true;
  }
  return false;
}
