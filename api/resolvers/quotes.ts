import type { LatestQuote } from '../../lib/redis';
import type { ApiContext, Resolver } from '../context';
import { ERROR_CODES, userError } from '../errors';
import { connection, decodeCursor, type Connection } from '../pagination';
import { byText } from '../sort';
import { parseFeed, parseFirst, parseTicker } from '../validation';
import { decimalToFloat, optionalDecimalToFloat } from './fields';

const quote: Resolver<unknown, { ticker: string; feed?: string | null }, LatestQuote> = async (
  _p,
  args,
  ctx,
) => {
  const ticker = parseTicker(args.ticker);
  const feed = args.feed == null ? undefined : parseFeed(args.feed);
  const q = await ctx.quotes.get(ticker, feed);
  if (!q) {
    throw feed === undefined
      ? userError(ERROR_CODES.UNKNOWN_TICKER, `No quote for ticker "${ticker}"`, { ticker })
      : userError(
          ERROR_CODES.UNKNOWN_TICKER,
          `No quote for ticker "${ticker}" from feed "${feed}"`,
          {
            ticker,
            feed,
          },
        );
  }
  return q;
};

/**
 * Every quoted ticker's latest quote, sorted by ticker (members without a hash left out). The
 * tickers are gathered from each partition's set: every partition, or only those of `only`.
 */
async function allQuotes(ctx: ApiContext, only?: readonly string[]): Promise<LatestQuote[]> {
  const wanted = only ? new Set(only) : undefined;
  const partitions = wanted
    ? [...new Set([...wanted].map((t) => ctx.keys.forTicker(t)))]
    : ctx.keys.all;
  const members = await Promise.all(partitions.map((k) => ctx.redis.smembers(k.quoteTickers)));
  const tickers = members.flat().filter((t) => !wanted || wanted.has(t));
  tickers.sort(byText);
  const quotes = await ctx.quotes.getMany(tickers);
  const out: LatestQuote[] = [];
  quotes.forEach((q, i) => {
    // The set and the hashes are not written atomically with every cleanup; a member with no
    // hash is skipped rather than failing the whole list.
    if (q) out.push(q);
    else ctx.logger.debug({ ticker: tickers[i] }, 'ticker in quote set has no latest-quote hash');
  });
  return out;
}

type QuotesArgs = {
  tickers?: string[] | null;
  sector?: string | null;
  first?: number | null;
  after?: string | null;
};

const quotes: Resolver<
  unknown,
  QuotesArgs,
  Connection<LatestQuote> & { totalCount: number }
> = async (_p, args, ctx) => {
  const first = parseFirst(args.first, ctx.config.graphql.maxPageSize, 100);
  const after = args.after == null ? undefined : decodeCursor('ticker', args.after);
  const only = args.tickers?.map((t, i) => parseTicker(t, `tickers[${i}]`));
  let all = await allQuotes(ctx, only);
  if (args.sector != null) all = all.filter((q) => q.sector === args.sector);
  const start = after === undefined ? 0 : all.findIndex((q) => q.ticker > after);
  const rest = start < 0 ? [] : all.slice(start);
  const page = rest.slice(0, first);
  return {
    ...connection('ticker', page, (q) => q.ticker, rest.length > first, undefined, args.after),
    totalCount: all.length,
  };
};

const sectors: Resolver<
  unknown,
  Record<string, never>,
  { sector: string; count: number }[]
> = async (_p, _args, ctx) => {
  const counts = new Map<string, number>();
  for (const q of await allQuotes(ctx)) counts.set(q.sector, (counts.get(q.sector) ?? 0) + 1);
  return [...counts.entries()]
    .sort(([a], [b]) => byText(a, b))
    .map(([sector, count]) => ({ sector, count }));
};

/** Query fields and the `Quote` type, whose parent is the decoded latest quote. */
export const quoteResolvers = {
  Query: { quote, quotes, sectors },
  Quote: {
    price: (q: LatestQuote): number => decimalToFloat(q.price),
    priceText: (q: LatestQuote): string => q.price,
    size: (q: LatestQuote): number | null => optionalDecimalToFloat(q.size),
    bid: (q: LatestQuote): number | null => optionalDecimalToFloat(q.bid),
    ask: (q: LatestQuote): number | null => optionalDecimalToFloat(q.ask),
    time: (q: LatestQuote): number => q.ts,
    venues: (q: LatestQuote, _args: unknown, ctx: ApiContext): Promise<LatestQuote[]> =>
      ctx.quotes.venues(q.ticker),
  },
};
