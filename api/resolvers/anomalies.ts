import type { AnomalyType, Severity } from '../../lib/domain/types';
import { decodeAnomaly } from '../../lib/redis';
import type { Resolver } from '../context';
import type { Connection } from '../pagination';
import { cutAbove, decodeCut, encodeCut, listCut } from '../partition-cursor';
import type { PartitionedAnomaly } from '../services/anomaly-tail';
import { mergeNewestFirst } from '../stream-merge';
import { checkRange, parseFeed, parseFirst, parseTicker } from '../validation';
import { decimalToFloat } from './fields';

/**
 * A detector records an anomaly after the tick's event time, so entries added (stream id)
 * well before `since` cannot match; this allows for provider clocks running ahead of ours.
 */
const CLOCK_SKEW_MS = 60_000;

type AnomaliesArgs = {
  ticker?: string | null;
  feed?: string | null;
  type?: AnomalyType | null;
  severity?: Severity | null;
  since?: number | null;
  until?: number | null;
  first?: number | null;
  after?: string | null;
};

/**
 * Anomalies newest first over every partition's stream (a ticker filter reads the ticker's
 * partition only), filtered, with the scan budget shared by the partitions read.
 */
const anomalies: Resolver<unknown, AnomaliesArgs, Connection<PartitionedAnomaly>> = async (
  _p,
  args,
  ctx,
) => {
  const first = parseFirst(args.first, ctx.config.graphql.maxPageSize, 20);
  const partitions = ctx.keys.partitions;
  const after =
    args.after == null
      ? undefined
      : listCut(decodeCut('anomaly', args.after, partitions), partitions);
  const { from, to } = checkRange(args.since, args.until, ['since', 'until']);
  const ticker = args.ticker == null ? undefined : parseTicker(args.ticker);
  const feed = args.feed == null ? undefined : parseFeed(args.feed);
  const read = ticker === undefined ? ctx.keys.all : [ctx.keys.forTicker(ticker)];
  return mergeNewestFirst(ctx.redis, {
    kind: 'anomaly',
    partitions,
    sources: read.map((k) => ({ partition: k.partition, key: k.anomalies })),
    after,
    bound: from === undefined ? '-' : String(Math.max(0, from - CLOCK_SKEW_MS)),
    want: first,
    budget: ctx.config.graphql.scanLimit,
    pick(id, fields, partition) {
      const a = decodeAnomaly(id, fields);
      if (ticker !== undefined && a.ticker !== ticker) return undefined;
      if (feed !== undefined && a.feed !== feed) return undefined;
      if (args.type != null && a.type !== args.type) return undefined;
      if (args.severity != null && a.severity !== args.severity) return undefined;
      if (from !== undefined && a.ts < from) return undefined;
      if (to !== undefined && a.ts > to) return undefined;
      return { ...a, partition };
    },
  });
};

/** Query fields and the `Anomaly` type, whose parent is the decoded stream entry. */
export const anomalyResolvers = {
  Query: { anomalies },
  Anomaly: {
    price: (a: PartitionedAnomaly): number => decimalToFloat(a.price),
    priceText: (a: PartitionedAnomaly): string => a.price,
    time: (a: PartitionedAnomaly): number => a.ts,
    // A subscription sets its own position; a listed anomaly resumes right after itself.
    cursor: (a: PartitionedAnomaly, _args: unknown, ctx: { keys: { partitions: number } }) =>
      a.cursor ?? encodeCut('anomaly', cutAbove(a.id, a.partition, ctx.keys.partitions)),
  },
};
