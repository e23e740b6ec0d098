import type { AnomalyType, Severity } from '../../lib/domain/types';
import { decodeAnomaly, type StoredAnomaly } from '../../lib/redis';
import type { Resolver } from '../context';
import { connection, decodeCursor, type Connection } from '../pagination';
import { scanStream } from '../stream-scan';
import { checkRange, parseFirst, parseTicker } from '../validation';
import { decimalToFloat } from './fields';

/**
 * A detector records an anomaly after the tick's event time, so entries added (stream id)
 * well before `since` cannot match; this allows for provider clocks running ahead of ours.
 */
const CLOCK_SKEW_MS = 60_000;

type AnomaliesArgs = {
  ticker?: string | null;
  type?: AnomalyType | null;
  severity?: Severity | null;
  since?: number | null;
  until?: number | null;
  first?: number | null;
  after?: string | null;
};

const anomalies: Resolver<unknown, AnomaliesArgs, Connection<StoredAnomaly>> = async (
  _p,
  args,
  ctx,
) => {
  const first = parseFirst(args.first, ctx.config.graphql.maxPageSize, 20);
  const after = args.after == null ? undefined : decodeCursor('anomaly', args.after);
  const { from, to } = checkRange(args.since, args.until, ['since', 'until']);
  const ticker = args.ticker == null ? undefined : parseTicker(args.ticker);
  const r = await scanStream(ctx.redis, {
    key: ctx.keys.anomalies,
    direction: 'backward',
    after,
    bound: from === undefined ? '-' : String(Math.max(0, from - CLOCK_SKEW_MS)),
    want: first,
    budget: ctx.config.graphql.scanLimit,
    pick(id, fields) {
      const a = decodeAnomaly(id, fields);
      if (ticker !== undefined && a.ticker !== ticker) return undefined;
      if (args.type != null && a.type !== args.type) return undefined;
      if (args.severity != null && a.severity !== args.severity) return undefined;
      if (from !== undefined && a.ts < from) return undefined;
      if (to !== undefined && a.ts > to) return undefined;
      return a;
    },
  });
  return connection('anomaly', r.items, (a) => a.id, r.hasMore, r.stoppedAt, args.after);
};

/** Query fields and the `Anomaly` type, whose parent is the decoded stream entry. */
export const anomalyResolvers = {
  Query: { anomalies },
  Anomaly: {
    price: (a: StoredAnomaly): number => decimalToFloat(a.price),
    priceText: (a: StoredAnomaly): string => a.price,
    time: (a: StoredAnomaly): number => a.ts,
  },
};
