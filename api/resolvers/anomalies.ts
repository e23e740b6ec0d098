import { decodeAnomaly, type StoredAnomaly } from '../../lib/redis';
import type { Resolver } from '../context';
import { parseLimit } from '../validation';
import { decimalToFloat, isoTime } from './fields';

/** Bounds of `anomalies(limit)`; keep in step with the schema description. */
export const ANOMALY_LIMIT = { min: 1, max: 500, fallback: 20 } as const;

const anomalies: Resolver<unknown, { limit?: number | null }, StoredAnomaly[]> = async (
  _parent,
  args,
  { redis, keys },
) => {
  const limit = parseLimit(args.limit, ANOMALY_LIMIT);
  const entries = await redis.xrevrange(keys.anomalies, '+', '-', 'COUNT', limit);
  return entries.map(([id, fields]) => decodeAnomaly(id, fields));
};

/** Query fields and the `Anomaly` type, whose parent is the decoded stream entry. */
export const anomalyResolvers = {
  Query: { anomalies },
  Anomaly: {
    price: (a: StoredAnomaly): number => decimalToFloat(a.price),
    priceText: (a: StoredAnomaly): string => a.price,
    time: (a: StoredAnomaly): string => isoTime(a.ts),
  },
};
