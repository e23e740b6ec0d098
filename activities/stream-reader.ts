import { streamGroups, type Redis } from '../lib/redis';

/** A stream entry as XRANGE / XREADGROUP return it. */
export type StreamEntry = [id: string, fields: string[]];

type XReadReply = [stream: string, entries: StreamEntry[]][] | null;

/**
 * Reads the next batch for one consumer of a group: first the entries this consumer was
 * given but never acknowledged (a retried batch gets exactly its old entries back), then new
 * ones, waiting up to `blockMs` for them. A short batch waits `lingerMs` once for more, so
 * that a trickle of events makes a few fuller batches instead of one activity per event.
 */
export async function readBatch(
  redis: Redis,
  opts: {
    stream: string;
    group: string;
    consumer: string;
    count: number;
    blockMs: number;
    lingerMs: number;
    /**
     * When set and this consumer has nothing pending, first claim entries pending this long
     * with any other consumer (XAUTOCLAIM): left by a consumer that no longer runs (e.g. a
     * slot removed by lowering the slot count). Set it well above the batch activity's
     * timeout, so no live batch is ever taken from under its worker.
     */
    claimIdleMs?: number;
    /**
     * Look for this consumer's unacknowledged entries first. @defaultValue true; a caller
     * that has just committed everything it read (so has none) skips that round trip.
     */
    pendingFirst?: boolean;
  },
  blocking: Redis,
): Promise<StreamEntry[]> {
  if (opts.pendingFirst !== false) {
    const pending = (await redis.xreadgroup(
      'GROUP',
      opts.group,
      opts.consumer,
      'COUNT',
      opts.count,
      'STREAMS',
      opts.stream,
      '0',
    )) as XReadReply;
    const own = pending?.[0]?.[1] ?? [];
    if (own.length > 0) return own;
  }
  if (opts.claimIdleMs !== undefined) {
    const [, claimed] = (await redis.xautoclaim(
      opts.stream,
      opts.group,
      opts.consumer,
      opts.claimIdleMs,
      '0-0',
      'COUNT',
      opts.count,
    )) as [next: string, entries: StreamEntry[], deleted: string[]];
    if (claimed.length > 0) return claimed;
  }
  const readNew = async (count: number, blockMs: number): Promise<StreamEntry[]> => {
    const conn = blockMs > 0 ? blocking : redis;
    const block = blockMs > 0 ? ['BLOCK', blockMs] : [];
    // `call`: ioredis's typed overloads do not take an optional BLOCK spread.
    const reply = (await conn.call(
      'XREADGROUP',
      'GROUP',
      opts.group,
      opts.consumer,
      'COUNT',
      count,
      ...block,
      'STREAMS',
      opts.stream,
      '>',
    )) as XReadReply;
    return reply?.[0]?.[1] ?? [];
  };
  const fresh = await readNew(opts.count, opts.blockMs);
  if (fresh.length === 0 || fresh.length >= opts.count || opts.lingerMs <= 0) return fresh;
  // A trickle: wait once for more, so it makes a few fuller batches, not one activity per event.
  await new Promise((resolve) => setTimeout(resolve, opts.lingerMs));
  return fresh.concat(await readNew(opts.count - fresh.length, 0));
}

/** Creates a consumer group at the start of the stream if it does not exist yet. */
export async function ensureGroup(redis: Redis, stream: string, group: string): Promise<boolean> {
  try {
    await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
    return true;
  } catch (err) {
    if (err instanceof Error && err.message.includes('BUSYGROUP')) return false;
    throw err;
  }
}

/** Reads specific entries by id (replays), in the order given; missing ids are skipped. */
export async function readByIds(
  redis: Redis,
  stream: string,
  ids: readonly string[],
): Promise<StreamEntry[]> {
  const pipe = redis.pipeline();
  for (const id of ids) pipe.xrange(stream, id, id);
  const replies = (await pipe.exec()) ?? [];
  const out: StreamEntry[] = [];
  for (const [err, reply] of replies) {
    if (err) throw err;
    const entries = reply as StreamEntry[];
    if (entries[0]) out.push(entries[0]);
  }
  return out;
}

/**
 * A consumer group's lag: entries of the stream not yet delivered to the group (XINFO GROUPS
 * `lag`, Redis >= 7). Null when the group does not exist or Redis cannot tell (after XDEL
 * inside the undelivered range).
 */
export async function groupLag(
  redis: Redis,
  stream: string,
  group: string,
): Promise<number | null> {
  const g = (await streamGroups(redis, stream)).find((x) => x.name === group);
  return g?.lag ?? null;
}
