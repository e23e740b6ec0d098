import type { Redis } from './client';
import { decodeFailedBatch, type FailedBatch } from './codec';
import type { PartitionKeys } from './keys';

type Entry = [id: string, fields: string[]];

/**
 * Finds a failed batch by id in its partition's failed-batches stream. A linear scan: the
 * stream holds batches that failed every attempt, which should stay few.
 */
export async function findFailedBatch(
  redis: Redis,
  keys: PartitionKeys,
  batchId: string,
): Promise<FailedBatch | undefined> {
  let start = '-';
  for (;;) {
    const page = (await redis.xrange(keys.failedBatches, start, '+', 'COUNT', 500)) as Entry[];
    for (const [, fields] of page) {
      const b = decodeFailedBatch(fields);
      if (b.batchId === batchId) return b;
    }
    if (page.length < 500) return undefined;
    start = `(${page[page.length - 1]![0]}`;
  }
}
