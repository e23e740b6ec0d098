import type { Redis } from '../redis';
import { encodeTick } from '../redis/codec';
import type { ArchivedTick } from './rows';
import type { ArchiveSink } from './sink';

export interface RestoreOptions {
  readonly sink: ArchiveSink;
  readonly redis: Redis;
  readonly day: string;
  /**
   * The target stream of one partition's ticks (archived partition numbers: a day archived
   * before partitions is all partition 0). Entries keep their original ids, so each target
   * must be empty (or `replace`).
   */
  readonly streamOf: (partition: number) => string;
  /** Delete the target streams first. */
  readonly replace?: boolean;
  /** Called after each batch with the number restored so far (all partitions). */
  readonly onProgress?: (restored: number) => void;
}

/** What went back into one partition's target stream. */
export interface RestoredPartition {
  readonly partition: number;
  readonly stream: string;
  readonly restored: number;
  /** What the manifest says the partition's stream held that day. */
  readonly expected: number;
}

export interface RestoreResult {
  readonly restored: number;
  readonly expected: number;
  readonly partitions: readonly RestoredPartition[];
}

/** Thrown when a restore cannot start; the message says what to do. */
export class RestoreError extends Error {
  override readonly name = 'RestoreError';
}

/**
 * Puts an archived day's ticks back into Redis for replay, partition by partition: each
 * partition's ticks into its own stream, in stream order with their original ids (unique only
 * within a partition) and the `normalized:events` entry layout (consumers decode them with
 * decodeTick). Reads the sink in batches and writes pipelined XADDs, one stream per pipeline
 * (one Redis Cluster slot): memory bounded.
 */
export async function restoreDay(opts: RestoreOptions): Promise<RestoreResult> {
  const manifest = await opts.sink.readManifest(opts.day);
  if (!manifest) throw new RestoreError(`${opts.day} is not archived (no manifest)`);
  const counts = new Map<number, { stream: string; restored: number; expected: number }>();
  for (const r of manifest.ticks.streams) {
    counts.set(r.partition, { stream: opts.streamOf(r.partition), restored: 0, expected: r.count });
  }
  for (const { stream } of counts.values()) {
    if (opts.replace) await opts.redis.del(stream);
    else if ((await opts.redis.xlen(stream)) > 0) {
      throw new RestoreError(
        `stream ${stream} is not empty: restored entries keep their ids; pass --replace to delete it first, or --stream to choose another`,
      );
    }
  }
  let restored = 0;
  for await (const batch of opts.sink.scanTicks(opts.day)) {
    // A batch is in (partition, id) order: one run per partition it touches.
    for (let i = 0; i < batch.length;) {
      const p = batch[i]!.partition;
      let j = i;
      while (j < batch.length && batch[j]!.partition === p) j++;
      let c = counts.get(p);
      if (!c) counts.set(p, (c = { stream: opts.streamOf(p), restored: 0, expected: 0 }));
      await append(opts.redis, c.stream, batch.slice(i, j));
      c.restored += j - i;
      i = j;
    }
    restored += batch.length;
    opts.onProgress?.(restored);
  }
  const partitions = [...counts.entries()]
    .sort(([a], [b]) => a - b)
    .map(([partition, c]) => ({ partition, ...c }));
  return { restored, expected: manifest.ticks.digest.count, partitions };
}

async function append(redis: Redis, stream: string, ticks: readonly ArchivedTick[]): Promise<void> {
  const pipe = redis.pipeline();
  for (const t of ticks) pipe.xadd(stream, t.id, ...encodeTick(t, t.rawId));
  for (const [err] of (await pipe.exec()) ?? []) if (err) throw err;
}
