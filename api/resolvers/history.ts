import { compareStreamIds, decodeTick, streamIdMs, TICK_FIELD } from '../../lib/redis';
import type { StoredTick } from '../../lib/domain/types';
import type { HistoryArchive, Resolver } from '../context';
import { ERROR_CODES, userError } from '../errors';
import { connection, decodeCursor, type Connection } from '../pagination';
import { scanStream } from '../stream-scan';
import { checkRange, parseFeed, parseFirst, parseTicker } from '../validation';
import { decimalToFloat, optionalDecimalToFloat } from './fields';

const MAX_RANGE_MS = 31 * 86_400_000;
/** Provider clocks may run ahead of ours: a tick can carry an event time after its stream id. */
const CLOCK_SKEW_MS = 60_000;

type HistoryArgs = {
  ticker: string;
  feed?: string | null;
  from: number;
  to?: number | null;
  first?: number | null;
  after?: string | null;
};

type Position = { kind: 'archive'; ts: number; id: string } | { kind: 'redis'; id: string };

function parsePosition(position: string): Position {
  if (!position.startsWith('a')) return { kind: 'redis', id: position };
  const [ts = '0', id = '0-0'] = position.slice(1).split('_');
  return { kind: 'archive', ts: Number(ts), id };
}

/**
 * Ticks of one ticker (from every feed, or one) with event time in [from, to], read from the
 * ticker's partition only: first what only the archive still holds
 * (stream ids below the first one Redis keeps; ordered by event time, then id), then what
 * Redis holds (in stream order, which is processing order and event order within a feed).
 * One page may span both; the cursor says which part it stopped in. Stream ids are processing
 * times, so the Redis scan covers ids from `from` (less clock skew) to `to` plus the
 * configured lateness.
 */
const history: Resolver<unknown, HistoryArgs, Connection<StoredTick>> = async (_p, args, ctx) => {
  const ticker = parseTicker(args.ticker);
  const feed = args.feed == null ? undefined : parseFeed(args.feed);
  const stream = ctx.keys.forTicker(ticker).normalizedEvents;
  const first = parseFirst(args.first, ctx.config.graphql.maxPageSize, 500);
  const after = args.after == null ? undefined : parsePosition(decodeCursor('tick', args.after));
  const range = checkRange(args.from, args.to ?? Date.now(), ['from', 'to']);
  const from = range.from!;
  const to = range.to!;
  if (to - from > MAX_RANGE_MS) {
    throw userError(
      ERROR_CODES.BAD_RANGE,
      'the range from "from" to "to" spans more than 31 days',
      {
        arguments: ['from', 'to'],
      },
    );
  }
  const fromArchive = new WeakSet<StoredTick>();
  const page: StoredTick[] = [];
  let archiveHasMore = false;
  if (ctx.archive && after?.kind !== 'redis') {
    const oldest = (await ctx.redis.xrange(stream, '-', '+', 'COUNT', 1)) as [string, string[]][];
    const redisFirst = oldest[0]?.[0];
    const archived = await archivePage(ctx.archive, {
      ticker,
      feed,
      from: after?.kind === 'archive' ? Math.max(from, after.ts) : from,
      to,
      after: after?.kind === 'archive' ? after : undefined,
      below: redisFirst,
      want: first + 1,
    });
    for (const t of archived.slice(0, first)) {
      fromArchive.add(t);
      page.push(t);
    }
    archiveHasMore = archived.length > first;
  }
  let hasMore = archiveHasMore;
  let stoppedAt: string | undefined;
  if (!archiveHasMore && page.length < first) {
    const start = String(Math.max(0, from - CLOCK_SKEW_MS));
    // Cheap test before JSON.parse: most entries of a busy stream are other tickers.
    const needle = `"ticker":${JSON.stringify(ticker)}`;
    const r = await scanStream(ctx.redis, {
      key: stream,
      direction: 'forward',
      after: after?.kind === 'redis' ? after.id : undefined,
      startAt: start,
      bound: String(to + ctx.config.graphql.historyLatenessMs),
      want: first - page.length,
      budget: ctx.config.graphql.scanLimit,
      pick(id, fields) {
        const json = fields[1];
        if (fields[0] !== TICK_FIELD || json === undefined || !json.includes(needle))
          return undefined;
        const t = decodeTick(id, fields);
        return t.ticker === ticker &&
          (feed === undefined || t.feed === feed) &&
          t.ts >= from &&
          t.ts <= to
          ? t
          : undefined;
      },
    });
    page.push(...r.items);
    hasMore = r.hasMore;
    stoppedAt = r.stoppedAt;
  }
  return connection(
    'tick',
    page,
    (t) => (fromArchive.has(t) ? `a${t.ts}_${t.id}` : t.id),
    hasMore,
    stoppedAt,
    args.after,
  );
};

/** Compares (ts, id) pairs, ids numerically. */
function after(a: StoredTick, ts: number, id: string): boolean {
  return a.ts !== ts ? a.ts > ts : compareStreamIds(a.id, id) > 0;
}

/**
 * Up to `want` archived ticks after the cursor and below Redis's first id (Redis serves the
 * rest). Ticks sharing the cursor's ts are re-read and skipped, so the request grows until
 * it gets past them.
 */
async function archivePage(
  archive: HistoryArchive,
  q: {
    ticker: string;
    feed: string | undefined;
    from: number;
    to: number;
    after: { ts: number; id: string } | undefined;
    below: string | undefined;
    want: number;
  },
): Promise<StoredTick[]> {
  for (let limit = q.want; ; limit *= 4) {
    // The reader's range is half-open; `to` is inclusive here. Ticks with ids below Redis's
    // first were added before it, so their event time is below it (plus clock skew).
    const end = Math.min(
      q.to + 1,
      q.below === undefined ? Infinity : streamIdMs(q.below) + CLOCK_SKEW_MS,
    );
    if (end <= q.from) return [];
    const rows = await archive.history(q.ticker, q.from, end, limit);
    const kept = rows.filter(
      (t) =>
        (q.feed === undefined || t.feed === q.feed) &&
        (q.below === undefined || compareStreamIds(t.id, q.below) < 0) &&
        (q.after === undefined || after(t, q.after.ts, q.after.id)),
    );
    if (kept.length >= q.want || rows.length < limit) return kept.slice(0, q.want);
  }
}

export const historyResolvers = {
  Query: { history },
  Tick: {
    price: (t: StoredTick): number => decimalToFloat(t.price),
    priceText: (t: StoredTick): string => t.price,
    size: (t: StoredTick): number | null => optionalDecimalToFloat(t.size),
    bid: (t: StoredTick): number | null => optionalDecimalToFloat(t.bid),
    ask: (t: StoredTick): number | null => optionalDecimalToFloat(t.ask),
    time: (t: StoredTick): number => t.ts,
  },
};
