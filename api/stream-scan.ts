import type { Redis } from '../lib/redis';

type Entry = [id: string, fields: string[]];

/** What a filtered scan of a stream found. */
export interface ScanResult<T> {
  readonly items: T[];
  /** True when the stream may hold more matches beyond where the scan stopped. */
  readonly hasMore: boolean;
  /** Id of the last entry examined when the scan stopped on its budget, else undefined. */
  readonly stoppedAt: string | undefined;
}

export interface ScanOptions<T> {
  readonly key: string;
  readonly direction: 'forward' | 'backward';
  /** Exclusive start (a stream id); undefined starts at `startAt`. */
  readonly after: string | undefined;
  /** Inclusive start when there is no `after`; default the stream's end in the direction. */
  readonly startAt?: string | undefined;
  /** Inclusive far bound of ids ('-'/'+' for none). */
  readonly bound: string;
  readonly want: number;
  /** Entries examined at most: a filter that matches nothing must not read the whole stream. */
  readonly budget: number;
  /** Decodes an entry, or returns undefined when it does not match. */
  readonly pick: (id: string, fields: string[]) => T | undefined;
}

/**
 * Pages through a stream with XRANGE / XREVRANGE, keeping the entries `pick` accepts, until it
 * has `want` of them (plus one, to know whether more follow), reaches `bound`, or has examined
 * `budget` entries. Reads grow from small pages so a common short answer costs one round trip.
 */
export async function scanStream<T>(redis: Redis, o: ScanOptions<T>): Promise<ScanResult<T>> {
  const items: T[] = [];
  let examined = 0;
  let cursor =
    o.after !== undefined ? `(${o.after}` : (o.startAt ?? (o.direction === 'forward' ? '-' : '+'));
  let pageSize = Math.min(Math.max(o.want + 1, 16), 1000);
  let lastId: string | undefined;
  for (;;) {
    const count = Math.min(pageSize, o.budget - examined);
    const page = (
      o.direction === 'forward'
        ? await redis.xrange(o.key, cursor, o.bound, 'COUNT', count)
        : await redis.xrevrange(o.key, cursor, o.bound, 'COUNT', count)
    ) as Entry[];
    for (const [id, fields] of page) {
      examined++;
      lastId = id;
      const item = o.pick(id, fields);
      if (item === undefined) continue;
      if (items.length === o.want) {
        // One match beyond the page: more exist; the page ends at the previous match.
        return { items, hasMore: true, stoppedAt: undefined };
      }
      items.push(item);
    }
    if (page.length < count) return { items, hasMore: false, stoppedAt: undefined };
    if (examined >= o.budget) return { items, hasMore: true, stoppedAt: lastId };
    cursor = `(${lastId!}`;
    pageSize = Math.min(pageSize * 4, 5000);
  }
}
