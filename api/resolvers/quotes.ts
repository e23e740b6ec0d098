import { decodeLatestQuote, type LatestQuote } from '../../lib/redis';
import type { Resolver } from '../context';
import { parseTicker } from '../validation';
import { decimalToFloat, isoTime, optionalDecimalToFloat } from './fields';

const quote: Resolver<unknown, { ticker: string }, LatestQuote | null> = async (
  _parent,
  args,
  { redis, keys },
) => {
  const ticker = parseTicker(args.ticker);
  return decodeLatestQuote(await redis.hgetall(keys.latestQuote(ticker))) ?? null;
};

const quotes: Resolver<unknown, Record<string, never>, LatestQuote[]> = async (
  _parent,
  _args,
  { redis, keys, logger },
) => {
  const tickers = await redis.smembers(keys.quoteTickers);
  if (tickers.length === 0) return [];
  // Code-point order, not localeCompare: the result must not depend on the server's locale.
  tickers.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const pipeline = redis.pipeline();
  for (const ticker of tickers) pipeline.hgetall(keys.latestQuote(ticker));
  const replies = (await pipeline.exec()) ?? [];
  const out: LatestQuote[] = [];
  for (const [i, [err, hash]] of replies.entries()) {
    if (err) throw err;
    const decoded = decodeLatestQuote(hash as Record<string, string>);
    // The set and the hashes are not written atomically with every cleanup; a member with no
    // hash is skipped rather than failing the whole list.
    if (decoded) out.push(decoded);
    else logger.debug({ ticker: tickers[i] }, 'ticker in quote set has no latest-quote hash');
  }
  return out;
};

/** Query fields and the `Quote` type, whose parent is the decoded latest-quote hash. */
export const quoteResolvers = {
  Query: { quote, quotes },
  Quote: {
    price: (q: LatestQuote): number => decimalToFloat(q.price),
    priceText: (q: LatestQuote): string => q.price,
    size: (q: LatestQuote): number | null => optionalDecimalToFloat(q.size),
    bid: (q: LatestQuote): number | null => optionalDecimalToFloat(q.bid),
    ask: (q: LatestQuote): number | null => optionalDecimalToFloat(q.ask),
    time: (q: LatestQuote): string => isoTime(q.ts),
  },
};
