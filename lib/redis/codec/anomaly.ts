import type { Anomaly, AnomalyType, Severity } from '../../domain/types';
import { TRACEPARENT_FIELD, fieldMap, type Fields } from './fields';

/** The anomaly's entry; `traceparent` is the detecting chunk's span when it was traced. */
export function encodeAnomaly(a: Anomaly, detectedAt: number, traceparent?: string): Fields {
  const f = [
    'type',
    a.type,
    'severity',
    a.severity,
    'ticker',
    a.ticker,
    'feed',
    a.feed,
    'price',
    a.price,
    'statistic',
    String(a.statistic),
    'threshold',
    String(a.threshold),
    'ts',
    String(a.ts),
    'source_ids',
    a.sourceIds.join(','),
    'detected_at',
    String(detectedAt),
  ];
  if (traceparent !== undefined) f.push(TRACEPARENT_FIELD, traceparent);
  return f;
}

export interface StoredAnomaly extends Anomaly {
  readonly id: string;
  readonly detectedAt: number;
  /** The trace context of the chunk span that detected it, when that chunk was traced. */
  readonly traceparent?: string;
}

export function decodeAnomaly(id: string, fields: readonly string[]): StoredAnomaly {
  const m = fieldMap(fields);
  return {
    id,
    type: (m.type ?? 'price_jump') as AnomalyType,
    severity: (m.severity ?? 'low') as Severity,
    ticker: m.ticker ?? '',
    feed: m.feed ?? '',
    price: m.price ?? '0',
    statistic: Number(m.statistic ?? 0),
    threshold: Number(m.threshold ?? 0),
    ts: Number(m.ts ?? 0),
    sourceIds: m.source_ids ? m.source_ids.split(',') : [],
    detectedAt: Number(m.detected_at ?? 0),
    ...(m.traceparent !== undefined ? { traceparent: m.traceparent } : {}),
  };
}
