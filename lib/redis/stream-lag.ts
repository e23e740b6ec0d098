import type { Redis } from './client';
import { compareStreamIds } from './stream-ids';
import { streamGroups, streamInfo } from './stream-info';

/** Where a lag figure came from. */
export type LagSource =
  /** XINFO GROUPS `lag`, as Redis reports it. */
  | 'redis'
  /** entries-added − entries-read: an upper bound (see {@link resolveGroupLag}). */
  | 'counters'
  /** Entries after the group's last-delivered id, counted on the server up to a bound. */
  | 'count';

/** A consumer group's lag and how it was obtained. */
export interface GroupLag {
  /** Entries not yet delivered to the group; with `source: 'count'`, at most the bound. */
  readonly lag: number;
  readonly source: LagSource;
}

/**
 * Counts the entries of KEYS[1] after ARGV[1] (exclusive), page by page, stopping at ARGV[2].
 * Server-side, so a recount moves one integer over the wire instead of the entries.
 */
const COUNT_AFTER = `
local start = '(' .. ARGV[1]
local bound = tonumber(ARGV[2])
local n = 0
while n < bound do
  local page = redis.call('XRANGE', KEYS[1], start, '+', 'COUNT', math.min(1000, bound - n))
  local len = #page
  if len == 0 then break end
  n = n + len
  start = '(' .. page[len][1]
end
return n
`;

/**
 * Entries of `stream` after `afterId` (exclusive), counted on the server, at most `bound`
 * (the cost is proportional to the count, so callers bound it by the figure they act on).
 */
export async function countEntriesAfter(
  redis: Redis,
  stream: string,
  afterId: string,
  bound: number,
): Promise<number> {
  if (bound <= 0) return 0;
  return Number(await redis.eval(COUNT_AFTER, 1, stream, afterId, bound));
}

/**
 * A consumer group's lag even when XINFO GROUPS reports it as nil. Redis answers nil when
 * entries were deleted (XDEL) after the group's last-delivered id, and keeps answering nil
 * while the group reads on (its read counter is lost on the way) until it reaches the end of
 * the stream; also when a group was created or moved to an id inside the stream without
 * ENTRIESREAD. Then it
 * - takes entries-added − entries-read when both are known: Redis's own formula, which counts
 *   the deleted entries as undelivered, so it errs high — for backpressure, throttling a little
 *   early, never switching off;
 * - otherwise counts the entries after last-delivered-id on the server, up to `bound`.
 * With `verifyAbove`, a figure from Redis's counters that high is counted instead (see
 * {@link GroupLagResolverOptions.verifyAbove}).
 *
 * Undefined when the stream or the group does not exist.
 */
export async function resolveGroupLag(
  redis: Redis,
  stream: string,
  group: string,
  bound: number,
  verifyAbove?: number,
): Promise<GroupLag | undefined> {
  return new GroupLagResolver({ bound, recountMs: 0, verifyAbove }).read(redis, stream, group);
}

/** Options of a {@link GroupLagResolver}. */
export interface GroupLagResolverOptions {
  /** Count at most this many entries (the figure the caller acts on). */
  readonly bound: number;
  /**
   * Between two counts of one stream, at most one per this many ms, the last count plus the
   * entries added since stands in (errs high: it assumes nothing was delivered meanwhile).
   * A count costs Redis time in proportion to the lag; this bounds it for a caller that polls.
   */
  readonly recountMs: number;
  /**
   * Verify a lag Redis reports at or above this by counting. Redis's read counter of a group
   * is not rebuilt exactly when Redis restarts from its AOF (the reads since the last rewrite
   * are replayed as claims that do not count), so after a restart it reports too high a lag —
   * by a fixed offset that stays, and grows with each restart. Never too low: a figure below
   * this is taken as it is. @defaultValue Infinity (Redis's figure is taken as it is)
   */
  readonly verifyAbove?: number;
}

/**
 * {@link resolveGroupLag} for a caller that polls: remembers each stream's last count, so a
 * nil lag that lasts (a deleted entry far ahead of a lagging group) costs one bounded count
 * per `recountMs`, not one per poll.
 */
export class GroupLagResolver {
  private readonly counts = new Map<string, { at: number; lag: number; added: number }>();

  constructor(private readonly opts: GroupLagResolverOptions) {}

  /** The lag of `group` on `stream`; undefined when either does not exist. */
  async read(redis: Redis, stream: string, group: string): Promise<GroupLag | undefined> {
    const g = (await streamGroups(redis, stream)).find((x) => x.name === group);
    if (g === undefined) return undefined;
    const verifyAbove = this.opts.verifyAbove ?? Infinity;
    if (g.lag !== null && g.lag < verifyAbove) {
      this.counts.delete(stream);
      return { lag: g.lag, source: 'redis' };
    }
    const info = await streamInfo(redis, stream);
    if (info === undefined) return undefined;
    // Delivered up to the last id ever added: nothing is waiting, whatever the counters say.
    if (
      g.lastDeliveredId !== '' &&
      compareStreamIds(g.lastDeliveredId, info.lastGeneratedId) >= 0
    ) {
      return { lag: 0, source: 'count' };
    }
    const added = info.entriesAdded;
    if (g.lag === null && g.entriesRead !== null && added !== undefined) {
      const lag = Math.max(0, added - g.entriesRead);
      if (lag < verifyAbove) return { lag, source: 'counters' };
    }
    const last = this.counts.get(stream);
    const now = Date.now();
    if (last !== undefined && added !== undefined && now - last.at < this.opts.recountMs) {
      return { lag: last.lag + Math.max(0, added - last.added), source: 'count' };
    }
    const from = g.lastDeliveredId === '' ? '0-0' : g.lastDeliveredId;
    const lag = await countEntriesAfter(redis, stream, from, this.opts.bound);
    if (added !== undefined) this.counts.set(stream, { at: now, lag, added });
    return { lag, source: 'count' };
  }
}
