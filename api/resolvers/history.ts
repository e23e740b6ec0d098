import { decodeTick, TICK_FIELD } from '../../lib/redis';
import type { StoredTick } from '../../lib/domain/types';
import type { Resolver } from '../context';
import { ERROR_CODES, userError } from '../errors';
import { connection, decodeCursor, type Connection } from '../pagination';
import { scanStream } from '../stream-scan';
import { checkRange, parseFirst, parseTicker } from '../validation';
import { decimalToFloat, optionalDecimalToFloat } from './fields';

const MAX_RANGE_MS = 31 * 86_400_000;
/** Provider clocks may run ahead of ours: a tick can carry an event time after its stream id. */
const CLOCK_SKEW_MS = 60_000;

type HistoryArgs = {
  ticker: string;
  from: number;
  to?: number | null;
  first?: number | null;
  after?: string | null;
};

/**
 * Ticks of one ticker by event time, in stream order (which is processing order, and event
 * order within a feed). Stream ids are processing times, so the scan covers ids from `from`
 * (less clock skew) to `to` plus the configured lateness.
 */
const history: Resolver<unknown, HistoryArgs, Connection<StoredTick>> = async (_p, args, ctx) => {
  const ticker = parseTicker(args.ticker);
  const first = parseFirst(args.first, ctx.config.graphql.maxPageSize, 500);
  const after = args.after == null ? undefined : decodeCursor('tick', args.after);
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
  const start = String(Math.max(0, from - CLOCK_SKEW_MS));
  // Cheap test before JSON.parse: most entries of a busy stream are other tickers.
  const needle = `"ticker":${JSON.stringify(ticker)}`;
  const r = await scanStream(ctx.redis, {
    key: ctx.keys.normalizedEvents,
    direction: 'forward',
    after: after ?? undefined,
    bound: String(to + ctx.config.graphql.historyLatenessMs),
    want: first,
    budget: ctx.config.graphql.scanLimit,
    pick(id, fields) {
      const json = fields[1];
      if (fields[0] !== TICK_FIELD || json === undefined || !json.includes(needle))
        return undefined;
      const t = decodeTick(id, fields);
      return t.ticker === ticker && t.ts >= from && t.ts <= to ? t : undefined;
    },
    startAt: after === undefined ? start : undefined,
  });
  return connection('tick', r.items, (t) => t.id, r.hasMore, r.stoppedAt);
};

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
