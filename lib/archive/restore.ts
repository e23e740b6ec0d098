import type { Redis } from '../redis';
import { encodeTick } from '../redis/codec';
import type { ArchiveSink } from './sink';

export interface RestoreOptions {
  readonly sink: ArchiveSink;
  readonly redis: Redis;
  readonly day: string;
  /** Target stream; entries keep their original ids, so it must be empty (or `replace`). */
  readonly stream: string;
  /** Delete the target stream first. */
  readonly replace?: boolean;
  /** Called after each batch with the number restored so far. */
  readonly onProgress?: (restored: number) => void;
}

/** Thrown when a restore cannot start; the message says what to do. */
export class RestoreError extends Error {
  override readonly name = 'RestoreError';
}

/**
 * Puts an archived day's ticks back into a Redis stream for replay, in stream order with
 * their original ids and the `normalized:events` entry layout (consumers decode them with
 * decodeTick). Reads the sink in batches and writes pipelined XADDs: memory bounded.
 */
export async function restoreDay(
  opts: RestoreOptions,
): Promise<{ restored: number; expected: number }> {
  const manifest = await opts.sink.readManifest(opts.day);
  if (!manifest) throw new RestoreError(`${opts.day} is not archived (no manifest)`);
  if (opts.replace) await opts.redis.del(opts.stream);
  else if ((await opts.redis.xlen(opts.stream)) > 0) {
    throw new RestoreError(
      `stream ${opts.stream} is not empty: restored entries keep their ids; pass --replace to delete it first, or --stream to choose another`,
    );
  }
  let restored = 0;
  for await (const batch of opts.sink.scanTicks(opts.day)) {
    const pipe = opts.redis.pipeline();
    for (const t of batch) pipe.xadd(opts.stream, t.id, ...encodeTick(t, t.rawId));
    for (const [err] of (await pipe.exec()) ?? []) if (err) throw err;
    restored += batch.length;
    opts.onProgress?.(restored);
  }
  return { restored, expected: manifest.ticks.digest.count };
}
