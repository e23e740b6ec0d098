import { ParquetSchema } from '@dsnp/parquetjs';
import type { ArchivedAnomaly, ArchivedTick } from './rows';

/**
 * The Parquet files' columns and the mapping of archived rows to and from them. Prices, sizes,
 * bids and asks are UTF8 columns holding the exact decimal text; times are TIMESTAMP_MILLIS so
 * DuckDB and pandas see timestamps; the hive partition columns (date, sector) are not in the
 * files. `partition` is the pipeline partition whose stream held the row (with `id`, the row's
 * identity); files written before partitions have no such column (nor anomalies a `feed`), and
 * their rows read as partition 0 (feed '').
 */

type FieldType = 'UTF8' | 'DOUBLE' | 'TIMESTAMP_MILLIS' | 'INT32';

/** Every column SNAPPY-compressed (parquetjs sets compression per field). */
function schema(fields: Record<string, [FieldType, 'optional'?]>): ParquetSchema {
  return new ParquetSchema(
    Object.fromEntries(
      Object.entries(fields).map(([name, [type, opt]]) => [
        name,
        { type, compression: 'SNAPPY', optional: opt === 'optional' },
      ]),
    ),
  );
}

export const TICK_SCHEMA = schema({
  id: ['UTF8'],
  ticker: ['UTF8'],
  kind: ['UTF8'],
  price: ['UTF8'],
  size: ['UTF8', 'optional'],
  bid: ['UTF8', 'optional'],
  ask: ['UTF8', 'optional'],
  ts: ['TIMESTAMP_MILLIS'],
  source: ['UTF8'],
  feed: ['UTF8'],
  seq: ['UTF8'],
  raw_id: ['UTF8'],
  partition: ['INT32'],
});

export const ANOMALY_SCHEMA = schema({
  id: ['UTF8'],
  type: ['UTF8'],
  severity: ['UTF8'],
  ticker: ['UTF8'],
  price: ['UTF8'],
  statistic: ['DOUBLE'],
  threshold: ['DOUBLE'],
  ts: ['TIMESTAMP_MILLIS'],
  source_ids: ['UTF8'],
  detected_at: ['TIMESTAMP_MILLIS'],
  feed: ['UTF8'],
  partition: ['INT32'],
});

export type Row = Record<string, unknown>;

export function tickRow(t: ArchivedTick): Row {
  return {
    id: t.id,
    ticker: t.ticker,
    kind: t.kind,
    price: t.price,
    size: t.size,
    bid: t.bid,
    ask: t.ask,
    ts: new Date(t.ts),
    source: t.source,
    feed: t.feed,
    seq: t.seq,
    raw_id: t.rawId,
    partition: t.partition,
  };
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
export function ms(v: unknown): number {
  return v instanceof Date ? v.getTime() : Number(v);
}
/** The partition column; absent (a file written before partitions): 0. */
function partitionOf(v: unknown): number {
  return v == null ? 0 : Number(v);
}

export function tickOf(r: Row, sector: string): ArchivedTick {
  return {
    id: str(r.id),
    ticker: str(r.ticker),
    kind: str(r.kind) === 'quote' ? 'quote' : 'trade',
    price: str(r.price),
    ...(typeof r.size === 'string' ? { size: r.size } : {}),
    ...(typeof r.bid === 'string' ? { bid: r.bid } : {}),
    ...(typeof r.ask === 'string' ? { ask: r.ask } : {}),
    ts: ms(r.ts),
    sector,
    source: str(r.source),
    feed: str(r.feed),
    seq: str(r.seq),
    rawId: str(r.raw_id),
    partition: partitionOf(r.partition),
  };
}

export function anomalyRow(a: ArchivedAnomaly): Row {
  return {
    id: a.id,
    type: a.type,
    severity: a.severity,
    ticker: a.ticker,
    price: a.price,
    statistic: a.statistic,
    threshold: a.threshold,
    ts: new Date(a.ts),
    source_ids: a.sourceIds.join(','),
    detected_at: new Date(a.detectedAt),
    feed: a.feed,
    partition: a.partition,
  };
}

export function anomalyOf(r: Row): ArchivedAnomaly {
  const ids = str(r.source_ids);
  return {
    id: str(r.id),
    type: str(r.type) as ArchivedAnomaly['type'],
    severity: str(r.severity) as ArchivedAnomaly['severity'],
    ticker: str(r.ticker),
    feed: str(r.feed),
    price: str(r.price),
    statistic: Number(r.statistic),
    threshold: Number(r.threshold),
    ts: ms(r.ts),
    sourceIds: ids ? ids.split(',') : [],
    detectedAt: ms(r.detected_at),
    partition: partitionOf(r.partition),
  };
}
