import type { DatasetTrim, StreamTrim, TrimResult } from '../../contract';
import { trimBoundMs, type Dataset } from '../../lib/archive';
import { streamIdMs } from '../../lib/redis';
import { activityLogger } from '../deps';
import type { StreamEntry } from '../stream-reader';
import { DATASETS, inActivity, type ArchiveContext } from './context';

/** Entries removed per approximate XTRIM call. */
const TRIM_STEP = 100_000;

async function firstId(c: ArchiveContext, stream: string): Promise<string | undefined> {
  const head = (await c.deps.redis.xrange(stream, '-', '+', 'COUNT', 1)) as StreamEntry[];
  return head[0]?.[0];
}

/** Trims one partition's stream of a dataset as far as the retention rule allows. */
async function trimStream(
  c: ArchiveContext,
  dataset: Dataset,
  partition: number,
  archivedDays: ReadonlySet<string>,
): Promise<StreamTrim> {
  const { redis, keys } = c.deps;
  const stream = c.stream(dataset, partition);
  const first = await firstId(c, stream);
  const bound = trimBoundMs({
    firstEntryMs: first === undefined ? undefined : streamIdMs(first),
    archivedDays,
    nowMs: c.deps.now(),
    retentionDays: c.deps.config.archive.retentionDays,
  });
  if (bound === undefined) return { partition, stream, minId: null, removed: 0 };
  const minId = `${bound}-0`;
  // Whole radix-tree nodes first, TRIM_STEP entries per call, so Redis keeps serving between
  // calls whatever the day's size; then the exact bound (a node's worth at most).
  let removed = 0;
  for (;;) {
    const n = Number(await redis.xtrim(stream, 'MINID', '~', minId, 'LIMIT', TRIM_STEP));
    removed += n;
    inActivity()?.heartbeat({ step: 'trim', dataset, partition, removed });
    if (n === 0) break;
  }
  removed += Number(await redis.xtrim(stream, 'MINID', minId));
  // The head our trim left, per stream key: droppedSince tells it from a MAXLEN cut.
  const head = await firstId(c, stream);
  if (head) await redis.hset(keys.archiveTrim, stream, head);
  else await redis.hdel(keys.archiveTrim, stream);
  return { partition, stream, minId, removed };
}

/**
 * XTRIM MINID of every partition's streams, each to what the retention rule allows
 * (lib/archive/retention.ts): never into the last ARCHIVE_RETENTION_DAYS days, never past a
 * day without a manifest. Idempotent: a second run finds nothing more to remove.
 */
export async function trimArchived(c: ArchiveContext): Promise<TrimResult> {
  const sink = await c.archive.get();
  await c.testDelay();
  const stop = c.timer('trim', sink);
  const archivedDays = new Set(await sink.listDays());
  const out: Record<Dataset, DatasetTrim> = {
    ticks: { removed: 0, streams: [] },
    anomalies: { removed: 0, streams: [] },
  };
  for (const dataset of DATASETS) {
    const streams: StreamTrim[] = [];
    for (let p = 0; p < c.partitions; p++) {
      streams.push(await trimStream(c, dataset, p, archivedDays));
    }
    const removed = streams.reduce((n, s) => n + s.removed, 0);
    out[dataset] = { removed, streams };
    c.deps.metrics.archiveTrimmed.inc({ dataset }, removed);
  }
  stop();
  activityLogger(c.deps.logger).info(
    { ticks: out.ticks.removed, anomalies: out.anomalies.removed, partitions: c.partitions },
    'streams trimmed',
  );
  return out;
}
